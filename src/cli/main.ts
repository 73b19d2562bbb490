/**
 * The CLI's entry and its one error boundary: commands throw; only this file exits, mapping error kinds to exit codes
 * (0 ok, 1 error, 2 usage, 3 daemon not reachable). The commands themselves are declared in program.ts.
 */
import { packageVersion } from "../feeds/package-root.js";
import { CommanderError } from "commander";
import { exitCodeOf, TradectlError } from "../domain/errors.js";
import { buildProgram } from "./program.js";

const program = buildProgram(packageVersion());

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
      // commander has printed its message (or the help / version) already; every usage error exits 2.
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    if (err instanceof TradectlError) {
      process.stderr.write(`tradectl: ${err.message}\n`);
      const more = err.details ?? err.errors;
      if (more !== undefined) process.stderr.write(`${JSON.stringify(more, null, 2)}\n`);
      process.exitCode = exitCodeOf(err.code);
      return;
    }
    const e = err as Error & { code?: string };
    process.stderr.write(`tradectl: ${e.message}${e.code && e.code !== "ERR_INVALID_ARG" ? ` (${e.code})` : ""}\n`);
    process.exitCode = 1;
  }
}

await main();
