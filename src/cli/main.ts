/**
 * The CLI: every subcommand is declared here and lazily imported when it runs, so `tradectl status` loads
 * only what it needs. Commands throw; only this file exits, mapping error kinds to exit codes.
 */
import { Command, CommanderError } from "commander";
import { CliError } from "./errors.js";
import type { GlobalOptions } from "./context.js";

type Loader = () => Promise<{ run: (args: string[], opts: Record<string, unknown> & GlobalOptions) => Promise<void> }>;

const program = new Command("tradectl")
  .description("Self-hosted trading daemon and CLI: TradingView alerts in, orders out, a durable journal.")
  .version(process.env.npm_package_version ?? "0.1.0")
  .option("--home <dir>", "instance folder (default: TRADECTL_HOME or XDG folders)")
  .showHelpAfterError()
  .exitOverride();

function command(spec: string, description: string, load: Loader, configure: (c: Command) => Command = (c) => c): void {
  const cmd = configure(program.command(spec).description(description));
  cmd.action(async (...args: unknown[]) => {
    const self = args[args.length - 1] as Command;
    const positional = args.slice(0, -2).flatMap((a) => (Array.isArray(a) ? a.map(String) : a === undefined ? [] : [String(a)]));
    const mod = await load();
    await mod.run(positional, { ...program.opts(), ...self.opts() });
  });
}

const json = (c: Command) => c.option("--json", "print the daemon's data object as JSON");

command("daemon", "run the daemon (webhook port, control socket, feeds, broker)", () => import("./commands/daemon.js"), (c) =>
  c
    .option("--host <host>", "webhook listen address")
    .option("--port <port>", "webhook port (0 = any free port)")
    .option("--broker <kind>", "paper or mt5")
    .option("--feed <file>", "replay this recording instead of the configured feeds"),
);
command("status", "system state: kill switch, market, daily stats, positions, risk, streams, broker", () => import("./commands/status.js"), json);
command("positions", "open positions marked to market", () => import("./commands/positions.js"), json);
command("orders", "order history", () => import("./commands/orders.js"), (c) =>
  json(c)
    .option("--from <date>", "from (YYYY-MM-DD, ISO-8601 or Unix ms)")
    .option("--to <date>", "to (exclusive)")
    .option("--ticker <code>", "one ticker")
    .option("--status <status>", "pending|submitted|filled|rejected|failed|expired|unknown")
    .option("--limit <n>", "page size (max 500)")
    .option("--offset <n>", "skip this many"),
);
command("order <order_id>", "one order in full", () => import("./commands/order.js"), json);
command("quotes", "latest quote of every instrument", () => import("./commands/quotes.js"), json);
command("rates <symbol>", "price bars from the broker (MT5), oldest first, as CSV or JSON", () => import("./commands/rates.js"), (c) =>
  json(c)
    .option("--timeframe <tf>", "M1 M5 M15 M30 H1 H4 D1 W1 MN1 …", "M5")
    .option("--count <n>", "how many bars (up to 100000)", "100")
    .option("--format <format>", "csv or json", "csv"),
);
command("ping", "check that the daemon answers", () => import("./commands/ping.js"), json);
command("kill", "activate the kill switch: stop all trading", () => import("./commands/kill.js"), (c) =>
  json(c).option("--reason <text>", "why (goes to the audit log)").option("--flatten", "also close every position"),
);
command("resume", "lift the kill switch", () => import("./commands/resume.js"), (c) => json(c).option("--reason <text>", "why"));
command("keys <action> [id]", "API keys: create | list | revoke ID", () => import("./commands/keys.js"), (c) =>
  json(c).option("--name <name>", "a label for the key").option("--expires-days <n>", "expire after N days"),
);
command("notify [action] [channel]", "notifications: test [CHANNEL] sends a test message (every channel without one) | status", () => import("./commands/notify.js"), json);
command("hash-password", "read a password on stdin and print its bcrypt hash for ADMIN_PASSWORD_HASH", () => import("./commands/hash-password.js"));
command("config <action> [key] [value]", "config.json: get [KEY] | set KEY VALUE | unset KEY | path", () => import("./commands/config.js"), json);
command("top", "live view of status, positions, streams and quotes (q quits)", () => import("./commands/top.js"), (c) =>
  c.option("--once", "print one frame and exit").option("--interval <ms>", "refresh period", "1000"),
);
command("events", "the daemon's events (SSE)", () => import("./commands/events.js"), (c) =>
  c.option("--follow", "keep streaming").option("--type <prefix>", "only events whose type starts with this").option("--history <n>", "recent events first", "20"),
);

// `tradectl orders | head` closes the pipe early: that is not an error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    if (err instanceof CliError) {
      process.stderr.write(`tradectl: ${err.message}\n`);
      if (err.details !== undefined) process.stderr.write(`${JSON.stringify(err.details, null, 2)}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    const e = err as Error & { code?: string };
    process.stderr.write(`tradectl: ${e.message}${e.code && e.code !== "ERR_INVALID_ARG" ? ` (${e.code})` : ""}\n`);
    process.exitCode = 1;
  }
}

await main();
