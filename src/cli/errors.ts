/** CLI error kinds and their exit codes: 1 error, 2 usage, 3 daemon not reachable. Only main.ts exits. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 | 3 = 1,
    readonly code: string = "ERROR",
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** The daemon's socket is absent or refuses connections. */
export class DaemonUnreachableError extends CliError {
  constructor(socketPath: string, cause?: string) {
    super(`tradectl daemon is not running (no answer on ${socketPath}${cause ? `: ${cause}` : ""}); start it with \`tradectl daemon\``, 3, "DAEMON_UNREACHABLE");
    this.name = "DaemonUnreachableError";
  }
}

/** The daemon answered with an error body ({ status: "error", error_code, message }); rebuilt with its code. */
export class DaemonError extends CliError {
  constructor(readonly statusCode: number, code: string, message: string, details?: unknown) {
    super(message, 1, code, details);
    this.name = "DaemonError";
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2, "USAGE");
    this.name = "UsageError";
  }
}
