import { test } from "node:test";
import assert from "node:assert/strict";
import { KeyedSerialQueue } from "../../src/engine/serial-queue.js";

test("tasks of one key run one at a time in arrival order; other keys are not held up", async () => {
  const q = new KeyedSerialQueue();
  const log: string[] = [];
  const gate: { open?: () => void } = {};
  const blocked = new Promise<void>((r) => (gate.open = r));
  const a1 = q.run("9984", async () => {
    log.push("a1 start");
    await blocked;
    log.push("a1 end");
  });
  const a2 = q.run("9984", async () => {
    log.push("a2");
  });
  const b1 = q.run("7203", async () => {
    log.push("b1");
  });
  await b1;
  assert.deepEqual(log, ["a1 start", "b1"]);
  assert.equal(q.pending, 2);
  gate.open!();
  await Promise.all([a1, a2]);
  assert.deepEqual(log, ["a1 start", "b1", "a1 end", "a2"]);
  assert.equal(q.pending, 0);
});

test("a failing task does not stop the ones after it", async () => {
  const q = new KeyedSerialQueue();
  const failed = q.run("k", async () => {
    throw new Error("boom");
  });
  const next = q.run("k", async () => "ok");
  await assert.rejects(failed, /boom/);
  assert.equal(await next, "ok");
  await q.drain();
});
