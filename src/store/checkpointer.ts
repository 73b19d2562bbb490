/**
 * WAL checkpoints off the event loop and out of the way of traffic. SQLite's automatic checkpoint runs inside
 * whichever commit crosses its threshold, copying megabytes and syncing the database file while a webhook waits
 * for its answer. The daemon's connections turn it off; this worker thread, with its own connection, checkpoints
 * (PASSIVE: it never blocks a writer) when the journal has seen no write for a moment, so its disk traffic does not
 * slow the fsync of an alert being accepted. Under sustained writes it still checkpoints once the WAL is large.
 */
import { Worker } from "node:worker_threads";
import { settleWithin } from "../domain/settle-within.js";

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { DatabaseSync } = require("node:sqlite");
const { statSync } = require("node:fs");
const lastWrite = new Float64Array(workerData.shared);
const db = new DatabaseSync(workerData.file);
db.exec("PRAGMA busy_timeout=1000");
const walSize = () => { try { return statSync(workerData.file + "-wal").size; } catch { return 0; } };
const tick = () => {
  const quiet = Date.now() - lastWrite[0] >= workerData.quietMs;
  if (!quiet && walSize() < workerData.maxWalBytes) return;
  try { db.prepare("PRAGMA wal_checkpoint(PASSIVE)").get(); } catch (err) { parentPort.postMessage({ error: String(err && err.message || err) }); }
};
const timer = setInterval(tick, workerData.everyMs);
parentPort.on("message", (m) => {
  if (m === "stop") { clearInterval(timer); lastWrite[0] = 0; tick(); db.close(); parentPort.close(); }
});
`;

export interface CheckpointerOptions {
  everyMs?: number;
  /** Checkpoint once the journal has had no write for this long. */
  quietMs?: number;
  /** ... or whatever the traffic, once the WAL is this large. */
  maxWalBytes?: number;
}

export class Checkpointer {
  private readonly worker: Worker;
  private readonly lastWrite: Float64Array;

  constructor(file: string, onError: (message: string) => void, opts: CheckpointerOptions = {}) {
    const shared = new SharedArrayBuffer(8);
    this.lastWrite = new Float64Array(shared);
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file, shared, everyMs: opts.everyMs ?? 100, quietMs: opts.quietMs ?? 200, maxWalBytes: opts.maxWalBytes ?? 64 * 1024 * 1024 },
    });
    this.worker.on("message", (m: { error?: string }) => m.error && onError(m.error));
    this.worker.on("error", (err) => onError(err.message));
    this.worker.unref();
  }

  /** Called after each commit: tells the worker the journal is busy right now. */
  wrote(): void {
    this.lastWrite[0] = Date.now();
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
