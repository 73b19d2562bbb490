/** The CLI raises TradectlErrors (domain/errors.ts) like the daemon; only main.ts turns them into exit codes. */
import { TradectlError } from "../domain/errors.js";

/** The daemon's socket is absent or refuses connections (exit 3). */
export function daemonUnreachable(socketPath: string, cause?: string): TradectlError {
  return new TradectlError("DAEMON_UNREACHABLE", `tradectl daemon is not running (no answer on ${socketPath}${cause ? `: ${cause}` : ""}); start it with \`tradectl daemon\``);
}
