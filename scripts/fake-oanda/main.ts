/**
 * Fake OANDA stream + REST server for tests, demos and the feed benchmark.
 *   node --import tsx scripts/fake-oanda/main.ts --port 0 [--switches…]
 * First stdout line: {"listening":"http://127.0.0.1:PORT"}. Switches can be flipped at runtime
 * with POST /_control (JSON, same names as Switches in server.ts); GET /_log lists connections.
 */
import { parseArgs } from "node:util";
import { startFakeOanda, type Switches } from "./server.js";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    "tick-ms": { type: "string" },
    "heartbeat-ms": { type: "string" },
    "drop-after-lines": { type: "string" },
    "disconnect-after-lines": { type: "string" },
    stall: { type: "boolean" },
    "rate-limit-count": { type: "string" },
    "retry-after": { type: "string" },
    "split-chunks": { type: "boolean" },
    "garbage-every": { type: "string" },
    "market-closed": { type: "boolean" },
    "miss-transactions": { type: "string" },
    "require-token": { type: "string" },
    "time-format": { type: "string" },
    "sinceid-page-size": { type: "string" },
    "server-error-count": { type: "string" },
    "rest-fail-next": { type: "string" },
    "rest-fail-every": { type: "string" },
    "rest-fail-rate": { type: "string" },
    "rest-hang-next": { type: "string" },
    seed: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
  strict: true,
});

if (values.help) {
  process.stdout.write(
    "usage: fake-oanda [--port N] [--host H] [--tick-ms MS] [--heartbeat-ms MS] [--drop-after-lines N]\n" +
      "  [--disconnect-after-lines N] [--stall] [--rate-limit-count K] [--retry-after S] [--split-chunks]\n" +
      "  [--garbage-every N] [--market-closed] [--miss-transactions K] [--require-token T]\n" +
      "  [--time-format rfc3339|unix] [--sinceid-page-size N] [--server-error-count K]\n" +
      "  [--rest-fail-next K] [--rest-fail-every N] [--rest-fail-rate P] [--rest-hang-next K] [--seed N]\n",
  );
  process.exit(0);
}

const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
const overrides: Partial<Switches> = {};
const set = <K extends keyof Switches>(k: K, v: Switches[K] | undefined): void => {
  if (v !== undefined) overrides[k] = v;
};
set("tickMs", num(values["tick-ms"]));
set("heartbeatMs", num(values["heartbeat-ms"]));
set("dropAfterLines", num(values["drop-after-lines"]));
set("disconnectAfterLines", num(values["disconnect-after-lines"]));
set("stall", values.stall);
set("rateLimitCount", num(values["rate-limit-count"]));
set("retryAfterSeconds", num(values["retry-after"]));
set("splitChunks", values["split-chunks"]);
set("garbageEvery", num(values["garbage-every"]));
set("marketClosed", values["market-closed"]);
set("missTransactions", num(values["miss-transactions"]));
set("requireToken", values["require-token"] ?? process.env.FAKE_OANDA_TOKEN);
set("timeFormat", values["time-format"] as Switches["timeFormat"] | undefined);
set("sinceIdPageSize", num(values["sinceid-page-size"]));
set("serverErrorCount", num(values["server-error-count"]));
set("restFailNext", num(values["rest-fail-next"]));
set("restFailEvery", num(values["rest-fail-every"]));
set("restFailRate", num(values["rest-fail-rate"]));
set("restHangNext", num(values["rest-hang-next"]));

const seed = num(values.seed);
const fake = await startFakeOanda(overrides, Number(values.port), values.host, seed === undefined ? {} : { seed });
process.stdout.write(JSON.stringify({ listening: fake.url }) + "\n");

const shutdown = (): void => {
  void fake.close().then(() => process.exit(0));
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
