/** The checkpointer worker keeps the WAL checkpointed once the journal is quiet (the daemon turns auto-checkpoints off). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { statSync } from "node:fs";
import { Checkpointer, type CheckpointReport } from "../../src/store/checkpointer.js";
import { Database } from "../../src/store/database.js";
import { defer } from "../helpers/defer.js";
import { until } from "../helpers/until.js";
import { testHome } from "../helpers/temp-home.js";

test("after a burst of writes, a quiet journal gets checkpointed by the worker", async (t) => {
  const home = testHome(t);
  const file = join(home, "tradectl.db");
  const db = new Database(file, { autoCheckpoint: false });
  const cp = new Checkpointer(file, (m) => assert.fail(m), { everyMs: 20, quietMs: 50 });
  db.onCommit = () => cp.wrote();
  defer(t, () => db.close());
  defer(t, () => cp.stop());
  const before = statSync(file).size;
  // One commit: a burst written row by row could pause longer than quietMs on a loaded machine, and the worker
  // would rightly checkpoint in the middle of it.
  db.tx(() => {
    for (let i = 0; i < 300; i++) db.run("INSERT INTO state (key, value, updated_at) VALUES (?, ?, ?)", `k${i}`, "x".repeat(500), i);
  });
  assert.ok(statSync(file).size - before < 150_000, "the rows are in the WAL, not yet in the database file");
  // Observe the worker's work from outside, without checkpointing ourselves: the database file takes the rows.
  await until("the database file to take the rows", () => statSync(file).size - before, (grown) => grown >= 150_000);
});

test("under sustained writes, a checkpoint waits for maxWalBytes of new WAL, also once the WAL has restarted", async (t) => {
  const home = testHome(t);
  const file = join(home, "tradectl.db");
  const db = new Database(file, { autoCheckpoint: false });
  const maxWalBytes = 100_000;
  const frameBytes = 1024 + 24;
  // Never quiet: only the backlog can start a checkpoint.
  const cp = new Checkpointer(file, (m) => assert.fail(m), { everyMs: 2, quietMs: 1e12, maxWalBytes });
  const reports: CheckpointReport[] = [];
  cp.onCheckpoint = (r) => reports.push(r);
  db.onCommit = () => cp.wrote();
  defer(t, () => db.close());
  defer(t, () => cp.stop());
  let i = 0;
  const writeUntil = async (checkpoints: number) => {
    const deadline = Date.now() + 30_000;
    for (; reports.length < checkpoints && Date.now() < deadline; i++) {
      db.run("INSERT INTO state (key, value, updated_at) VALUES (?, ?, ?)", `k${i}`, "x".repeat(500), i);
      if (i % 20 === 0) await new Promise((res) => setImmediate(res));
    }
    assert.ok(reports.length >= checkpoints, `${reports.length} checkpoints, ${checkpoints} expected`);
  };
  await writeUntil(1);
  assert.equal(reports[0]!.quiet, false);
  // Checkpoint everything ourselves: the next write restarts the WAL at its beginning, and the file keeps its size,
  // larger than maxWalBytes. A trigger on the file's size would now checkpoint on every tick, with a tiny backlog.
  const walSize = statSync(`${file}-wal`).size;
  assert.ok(walSize >= maxWalBytes);
  for (let r = db.get<{ busy: number; log: number; checkpointed: number }>("PRAGMA wal_checkpoint(PASSIVE)"); r!.busy !== 0 || r!.log !== r!.checkpointed; ) {
    await new Promise((res) => setTimeout(res, 5));
    r = db.get("PRAGMA wal_checkpoint(PASSIVE)");
  }
  const before = reports.length;
  await writeUntil(before + 1);
  const afterRestart = reports[before]!;
  assert.ok(afterRestart.walFrames * frameBytes >= maxWalBytes, `the first checkpoint after the restart ran with ${afterRestart.walFrames} frames`);
  assert.ok(statSync(`${file}-wal`).size <= walSize + 2 * maxWalBytes, "the restarted WAL was written over from its beginning");
});
