/** The CLI stays light: a read command loads commander and nothing heavy (no ink/react, no got). */
import { defer } from "../helpers/defer.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { parseResponse } from "../../src/cli/unix-http.js";
import { BIN, ROOT, spawnDaemon, TEST_CONFIG } from "../helpers/daemon.js";
import { testHome } from "../helpers/temp-home.js";

test("status, positions, orders and quotes load neither ink/react nor got, answer and all", async (t) => {
  const home = testHome(t, TEST_CONFIG);
  // A running daemon, so that each command gets its answer and prints it: the whole path a user runs is loaded.
  const d = await spawnDaemon(home);
  defer(t, () => d.stop());
  for (const cmd of ["status", "positions", "orders", "quotes"]) {
    const r = spawnSync(process.execPath, ["--import", join(ROOT, "test/fixtures/report-loaded-modules.mjs"), BIN, cmd, "--home", home], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.notEqual(r.stdout.trim(), "", `${cmd} printed its answer`);
    const loaded = new Set([...r.stderr.matchAll(/^LOADED (\S+)$/gm)].map((m) => m[1]));
    assert.deepEqual([...loaded], ["commander"], `${cmd} loaded ${[...loaded].join(", ")}`);
  }
});

test("the socket client reads content-length and chunked answers", () => {
  const cl = parseResponse(Buffer.from('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 10\r\n\r\n{"a":"é"}xx'));
  assert.equal(cl.status, 200);
  assert.deepEqual(JSON.parse(cl.body), { a: "é" }, "content-length counts bytes, not characters");
  const chunked = parseResponse(Buffer.from("HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n4\r\n:12}\r\n0\r\n\r\n"));
  assert.equal(chunked.status, 404);
  assert.equal(chunked.body, '{"a":12}');
  assert.throws(() => parseResponse(Buffer.from("garbage")), /incomplete/);
});
