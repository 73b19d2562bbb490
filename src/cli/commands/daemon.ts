/** `tradectl daemon`: runs in the foreground; SIGTERM/SIGINT stop it cleanly (exit 0 within 5 s), SIGHUP reloads config. */
import { startDaemon } from "../../daemon/daemon.js";
import type { GlobalOptions } from "../context.js";

interface Opts extends GlobalOptions {
  host?: string;
  port?: number;
  broker?: string;
  feed?: string;
}

const STOP_DEADLINE_MS = 5000;

export async function run(_args: string[], opts: Opts): Promise<void> {
  const port = opts.port;
  const daemon = await startDaemon({
    ...(opts.home ? { home: opts.home } : {}),
    console: true,
    overrides: {
      ...(opts.host ? { host: opts.host } : {}),
      ...(port !== undefined ? { port } : {}),
      ...(opts.broker ? { broker: opts.broker as "paper" | "mt5" } : {}),
      ...(opts.feed ? { feed: opts.feed } : {}),
    },
  });
  const out = process.stdout;
  out.write(`tradectl daemon running (pid ${process.pid})\n`);
  out.write(`  webhook  ${daemon.url}/webhook\n`);
  out.write(`  socket   ${daemon.socketPath}\n`);
  if (daemon.passphraseFile) out.write(`  passphrase (paper mode, generated): ${daemon.passphraseFile}\n`);
  out.write(`  try      tradectl status${opts.home ? ` --home ${opts.home}` : ""}\n`);

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      daemon.logger.info(`received ${signal}, shutting down`);
      setTimeout(() => {
        process.stderr.write(`tradectl: shutdown took longer than ${STOP_DEADLINE_MS} ms; exiting\n`);
        process.exit(1);
      }, STOP_DEADLINE_MS).unref();
      daemon.stop(signal).then(resolve, (err: Error) => {
        process.stderr.write(`tradectl: error during shutdown: ${err.message}\n`);
        process.exitCode = 1;
        resolve();
      });
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGHUP", () => {
      daemon.reload().catch((err: Error) => daemon.logger.error("config reload failed; keeping the running config", { error: err.message }));
    });
  });
}
