/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside whichever commit crosses the
 * threshold, copying megabytes and syncing the database file while a webhook waits for its answer. The daemon's
 * connections turn it off; this worker thread, with its own connection, checkpoints (PASSIVE: it never blocks a
 * writer) every second, so the WAL stays small and no request pays for it.
 */
import { Worker } from "node:worker_threads";
import { settleWithin } from "../domain/settle-within.js";

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { DatabaseSync } = require("node:sqlite");
const db = new DatabaseSync(workerData.file);
db.exec("PRAGMA busy_timeout=1000");
const checkpoint = (mode) => {
  try { db.prepare("PRAGMA wal_checkpoint(" + mode + ")").get(); } catch (err) { parentPort.postMessage({ error: String(err && err.message || err) }); }
};
const timer = setInterval(() => checkpoint("PASSIVE"), workerData.everyMs);
parentPort.on("message", (m) => {
  if (m === "stop") { clearInterval(timer); checkpoint("PASSIVE"); db.close(); parentPort.close(); }
});
`;

export class Checkpointer {
  private readonly worker: Worker;

  constructor(file: string, onError: (message: string) => void, everyMs = 1000) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, everyMs } });
    this.worker.on("message", (m: { error?: string }) => m.error && onError(m.error));
    this.worker.on("error", (err) => onError(err.message));
    this.worker.unref();
  }

  /** Runs a last checkpoint and waits (at most 2 s) for the thread to end; keeps the process alive meanwhile. */
  async stop(): Promise<void> {
    this.worker.ref();
    const exited = new Promise<void>((resolve) => this.worker.once("exit", () => resolve()));
    this.worker.postMessage("stop");
    await settleWithin(exited, 2000);
    await this.worker.terminate();
  }
}
