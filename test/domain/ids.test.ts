/** Journal row ids grow with time, so their indexes are written at the right edge. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { timeOrderedId } from "../../src/domain/ids.js";

test("time-ordered ids are unique, UUIDv7-shaped, carry their prefix and start with the time they were made", () => {
  const before = Date.now();
  const ids = Array.from({ length: 5000 }, () => timeOrderedId("sig_"));
  const after = Date.now();
  for (const id of ids) assert.match(id, /^sig_[0-9a-f]{12}7[0-9a-f]{3}[89ab][0-9a-f]{15}$/);
  assert.equal(new Set(ids).size, ids.length);
  const times = ids.map((id) => parseInt(id.slice(4, 16), 16));
  assert.ok(times.every((t, i) => t >= before && t <= after && (i === 0 || t >= times[i - 1]!)), "their time prefixes never go back");
});
