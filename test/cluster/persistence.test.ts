import assert from "node:assert/strict";
import { test } from "node:test";
import { judgePersistence } from "../../src/cluster/persistence.js";

const facts = (appendonly: string | null, appendfsync: string | null, replicas = 0) => ({ appendonly, appendfsync, connectedReplicas: replicas, role: "master" });

test("only a setting that cannot lose an answered alert is safe: AOF always, or replicas enough for WAIT", () => {
  assert.equal(judgePersistence(facts("yes", "always"), 0).safe, true);
  assert.equal(judgePersistence(facts("yes", "everysec", 1), 1).safe, true);
  const everysec = judgePersistence(facts("yes", "everysec"), 0);
  assert.equal(everysec.safe, false);
  assert.match(everysec.summary, /up to 1 s .* loses power/);
  assert.match(everysec.hint ?? "", /appendfsync always.*redis.waitReplicas/);
  assert.equal(judgePersistence(facts("no", null), 0).safe, false);
  assert.equal(judgePersistence(facts("yes", "no"), 0).safe, false);
  assert.equal(judgePersistence(facts("yes", "everysec", 0), 1).safe, false, "WAIT asks for a replica that is not there");
  assert.equal(judgePersistence(facts(null, null), 0).safe, false);
});
