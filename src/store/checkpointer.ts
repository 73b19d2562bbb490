/**
 * WAL checkpoints off the event loop and out of the way of traffic. SQLite's automatic checkpoint runs inside
 * whichever commit crosses its threshold, copying megabytes and syncing the database file while a webhook waits
 * for its answer. The daemon's connections turn it off; this worker thread, with its own connection, checkpoints
 * (PASSIVE: it never blocks a writer) when the journal has seen no write for a moment, so its disk traffic does not
 * slow the fsync of an alert being accepted. Under sustained writes it checkpoints each time the part of the WAL
 * not yet checkpointed reaches `maxWalBytes`: a checkpoint's own fsync of the database file triples the fsync time
 * of the commits beside it, so it must come rarely, not on every tick.
 */
import { Worker } from "node:worker_threads";
import { settleWithin } from "../domain/settle-within.js";

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { DatabaseSync } = require("node:sqlite");
const { openSync, readSync, closeSync, fstatSync, statSync } = require("node:fs");
const { endianness } = require("node:os");
const lastWrite = new Float64Array(workerData.shared);
const db = new DatabaseSync(workerData.file);
db.exec("PRAGMA busy_timeout=1000");
const read32 = endianness() === "LE" ? (b, at) => b.readUInt32LE(at) : (b, at) => b.readUInt32BE(at);
const read16 = endianness() === "LE" ? (b, at) => b.readUInt16LE(at) : (b, at) => b.readUInt16BE(at);
const header = Buffer.alloc(100);
let shm = null;
// Bytes of WAL not yet copied into the database, from the wal-index header (sqlite.org/walformat.html, native
// byte order): mxFrame (u32 at 16) less nBackfill (u32 at 96), in frames of szPage (u16 at 14; 1 means 65536)
// plus 24. The WAL file's size cannot say this: after a complete checkpoint the WAL restarts at its beginning
// and keeps its size. null when the wal-index cannot be read.
const backlogBytes = () => {
  try {
    const path = workerData.file + "-shm";
    if (shm !== null && fstatSync(shm).ino !== statSync(path).ino) { closeSync(shm); shm = null; } // replaced
    shm ??= openSync(path, "r");
    if (readSync(shm, header, 0, 100, 0) < 100) return null;
    const frames = read32(header, 16) - read32(header, 96);
    const page = read16(header, 14) === 1 ? 65536 : read16(header, 14);
    return Math.max(0, frames) * (page + 24);
  } catch { return null; }
};
const walSize = () => { try { return statSync(workerData.file + "-wal").size; } catch { return 0; } };
let checkpointedAt = 0;
let sizeAtCheckpoint = 0;
const tick = (final = false) => {
  const now = Date.now();
  const quiet = now - lastWrite[0] >= workerData.quietMs;
  const backlog = backlogBytes();
  const due = backlog !== null
    ? backlog > 0 && (quiet || backlog >= workerData.maxWalBytes)
    // Unknown backlog: after every quiet spell that followed a write, and whenever the WAL file has grown by
    // maxWalBytes since the last checkpoint (a restarted WAL is rewritten within its old size).
    : (quiet && lastWrite[0] > checkpointedAt) || walSize() - sizeAtCheckpoint >= workerData.maxWalBytes;
  if (!due && !(final && backlog !== 0)) return;
  try {
    const r = db.prepare("PRAGMA wal_checkpoint(PASSIVE)").get();
    if (r.busy !== 0 || r.log < 0) return; // another checkpoint holds the lock: try again next tick
    checkpointedAt = now;
    sizeAtCheckpoint = walSize();
    parentPort.postMessage({ checkpoint: { quiet, backlogBytes: backlog, walFrames: r.log, checkpointedFrames: r.checkpointed } });
  } catch (err) { parentPort.postMessage({ error: String(err && err.message || err) }); }
};
const timer = setInterval(() => tick(), workerData.everyMs);
parentPort.on("message", (m) => {
  if (m === "stop") { clearInterval(timer); tick(true); db.close(); if (shm !== null) closeSync(shm); parentPort.close(); }
});
`;

export interface CheckpointerOptions {
  everyMs?: number;
  /** Checkpoint once the journal has had no write for this long. */
  quietMs?: number;
  /** ... or whatever the traffic, once this much WAL is not yet checkpointed. */
  maxWalBytes?: number;
}

/** What one checkpoint did: whether the journal was quiet, the backlog that started it (null: unknown), and PRAGMA wal_checkpoint's answer. */
export interface CheckpointReport {
  quiet: boolean;
  backlogBytes: number | null;
  walFrames: number;
  checkpointedFrames: number;
}

export class Checkpointer {
  private readonly worker: Worker;
  private readonly lastWrite: Float64Array;

  /** Told after every checkpoint. */
  onCheckpoint: (report: CheckpointReport) => void = () => {};

  constructor(file: string, onError: (message: string) => void, opts: CheckpointerOptions = {}) {
    const shared = new SharedArrayBuffer(8);
    this.lastWrite = new Float64Array(shared);
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file, shared, everyMs: opts.everyMs ?? 100, quietMs: opts.quietMs ?? 200, maxWalBytes: opts.maxWalBytes ?? 64 * 1024 * 1024 },
    });
    this.worker.on("message", (m: { error?: string; checkpoint?: CheckpointReport }) => {
      if (m.error) onError(m.error);
      if (m.checkpoint) this.onCheckpoint(m.checkpoint);
    });
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
