/** Journal row ids grow with time, so their indexes are written at the right edge. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { timeOrderedId } from "../../src/domain/ids.js";

test("time-ordered ids are unique, increase within the process, and carry their prefix", () => {
  const ids = Array.from({ length: 5000 }, () => timeOrderedId("sig_"));
  for (const id of ids) assert.match(id, /^sig_[0-9a-f]{32}$/);
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual([...ids].sort(), ids, "sorted as strings, they are in the order they were made");
});
