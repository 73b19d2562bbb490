/**
 * The pair's Redis link against a real redis-server: an outage seen only as timeouts (the server paused, its socket
 * still open) ends with the first answer, and whoever waits for Redis is told then, as on a reconnection.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RedisLink } from "../../src/cluster/connection.js";
import { defer } from "../helpers/defer.js";
import { startRedis } from "../helpers/redis-server.js";
import { until } from "../helpers/until.js";

test("a paused Redis that answers again wakes the link's ready listeners (what waits to be published goes on)", async (t) => {
  const redis = await startRedis();
  defer(t, () => redis.stop());
  const link = new RedisLink({ url: redis.url, commandTimeoutMs: 200 });
  defer(t, () => link.close());
  let ready = 0;
  link.onReady(() => ready++);
  await until("the link to connect", () => ready, (n) => n === 1);

  redis.pause();
  await assert.rejects(link.cmd.ping().catch((err: Error) => (link.noteFailure(err), Promise.reject(err))), /timed out/i);
  assert.equal(link.view().state, "down");
  redis.resume();
  await link.ping();
  assert.equal(link.view().state, "connected");
  assert.equal(ready, 2, "told once more, on the first answer after the outage");
  await link.ping();
  assert.equal(ready, 2, "and only once");
});
