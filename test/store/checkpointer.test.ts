/** The checkpointer worker keeps the WAL checkpointed once the journal is quiet (the daemon turns auto-checkpoints off). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { statSync } from "node:fs";
import { Checkpointer } from "../../src/store/checkpointer.js";
import { Database } from "../../src/store/database.js";
import { defer } from "../helpers/defer.js";
import { tempHome } from "../helpers/temp-home.js";

test("after a burst of writes, a quiet journal gets checkpointed by the worker", async (t) => {
  const { home, cleanup } = tempHome();
  defer(t, cleanup);
  const file = join(home, "tradectl.db");
  const db = new Database(file, { autoCheckpoint: false });
  const cp = new Checkpointer(file, (m) => assert.fail(m), { everyMs: 20, quietMs: 50 });
  db.onCommit = () => cp.wrote();
  defer(t, () => db.close());
  defer(t, () => cp.stop());
  const before = statSync(file).size;
  for (let i = 0; i < 300; i++) db.run("INSERT INTO state (key, value, updated_at) VALUES (?, ?, ?)", `k${i}`, "x".repeat(500), i);
  assert.ok(statSync(file).size - before < 150_000, "the rows are in the WAL, not yet in the database file");
  // Observe the worker's work from outside, without checkpointing ourselves: the database file takes the rows.
  const deadline = Date.now() + 10_000;
  while (statSync(file).size - before < 150_000 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
  assert.ok(statSync(file).size - before >= 150_000, `database file grew by ${statSync(file).size - before} bytes`);
});
