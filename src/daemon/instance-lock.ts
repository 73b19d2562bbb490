/**
 * One daemon per home: a pid lock file created exclusively. A lock whose process is gone (a crash) is taken over,
 * and the socket it left behind is removed.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { TradectlError } from "../domain/errors.js";

export class InstanceLock {
  private held = false;

  constructor(
    private readonly lockFile: string,
    private readonly socketPath: string,
  ) {}

  acquire(): { tookOverStale: boolean } {
    let tookOverStale = false;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.lockFile, "wx", 0o600);
        writeSync(fd, String(process.pid));
        closeSync(fd);
        this.held = true;
        if (tookOverStale) rmSync(this.socketPath, { force: true });
        return { tookOverStale };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        const pid = Number(readFileSync(this.lockFile, "utf8").trim());
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
          throw new TradectlError(
            "DAEMON_ALREADY_RUNNING",
            `another tradectl daemon (pid ${pid}) is already running on this home (lock ${this.lockFile}, socket ${this.socketPath})`,
          );
        }
        rmSync(this.lockFile, { force: true });
        tookOverStale = true;
      }
    }
    throw new TradectlError("DAEMON_LOCK_FAILED", `could not take the instance lock ${this.lockFile}`);
  }

  release(): void {
    if (!this.held) return;
    rmSync(this.lockFile, { force: true });
    this.held = false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
