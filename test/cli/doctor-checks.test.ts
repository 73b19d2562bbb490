/** The doctor's checks that need no daemon: clock offsets, TLS certificates (made with openssl), exposure, node. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { checkExposure, checkNode, checkTls } from "../../src/cli/doctor/local-checks.js";
import { checkClock } from "../../src/cli/doctor/remote-checks.js";
import { DEFAULT_CONFIG } from "../../src/config/schema.js";
import type { TradectlConfig } from "../../src/config/types.js";
import { testHome } from "../helpers/temp-home.js";

const config = (webhook: Partial<TradectlConfig["webhook"]>): TradectlConfig => ({ ...structuredClone(DEFAULT_CONFIG), webhook: { ...structuredClone(DEFAULT_CONFIG.webhook), ...webhook } });
const noNtp = async () => null;

test("clock: measured against servers' Date headers (whole seconds), else NTP's word", async () => {
  const at = Date.parse("2026-03-02T00:00:00.000Z");
  assert.equal((await checkClock([{ status: 200, date: at, midpoint: at + 600 }], noNtp)).status, "ok");
  assert.equal((await checkClock([{ status: 200, date: at, midpoint: at + 4_000 }], noNtp)).status, "warn");
  const far = await checkClock([{ status: 200, date: at, midpoint: at + 40_000 }, { status: 200, date: at, midpoint: at + 500 }], noNtp);
  assert.equal(far.status, "fail");
  assert.match(far.detail, /39\.5 s off the clock of the worst of 2 servers/);
  assert.equal((await checkClock([], async () => "yes")).status, "ok");
  assert.equal((await checkClock([], async () => "no")).status, "warn");
  assert.equal((await checkClock([{ status: 200, date: null, midpoint: at }], noNtp)).status, "warn", "nothing to compare with is not a pass");
});

test("tls: a certificate and its key, its expiry, a key of another certificate", (t) => {
  const home = testHome(t);
  const cert = (name: string, days: number) => {
    const r = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", `/CN=${name}`, "-days", String(days), "-keyout", join(home, `${name}.key`), "-out", join(home, `${name}.crt`)], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return { cert: join(home, `${name}.crt`), key: join(home, `${name}.key`) };
  };
  const good = cert("good", 90);
  const soon = cert("soon", 5);
  assert.equal(checkTls(config({ tls: good })).status, "ok");
  assert.match(checkTls(config({ tls: good })).detail, /CN=good, expires in 8\d days/);
  assert.equal(checkTls(config({ tls: soon })).status, "warn");
  assert.equal(checkTls(config({ tls: good }), Date.now() + 100 * 86_400_000).status, "fail", "expired");
  const mixed = checkTls(config({ tls: { cert: good.cert, key: soon.key } }));
  assert.equal(mixed.status, "fail");
  assert.match(mixed.detail, /is not the key of/);
  assert.equal(checkTls(config({ tls: { cert: join(home, "none.crt"), key: good.key } })).status, "fail");
  assert.equal(checkTls(config({})).status, "ok", "none configured");
});

test("exposure: a public bind without TLS or allowlist, or trusting X-Forwarded-For, is a warning", () => {
  assert.equal(checkExposure(config({ host: "127.0.0.1" })).status, "ok");
  const bare = checkExposure(config({ host: "0.0.0.0" }));
  assert.equal(bare.status, "warn");
  assert.match(bare.detail, /no TLS.*no IP allowlist/);
  assert.match(checkExposure(config({ host: "0.0.0.0", trustProxy: true, tls: { cert: "c", key: "k" }, ipAllowlist: { mode: "strict", allow: [] } })).detail, /anyone can claim to be TradingView/);
  assert.equal(checkExposure(config({ host: "0.0.0.0", tls: { cert: "c", key: "k" }, ipAllowlist: { mode: "strict", allow: [] } })).status, "ok");
});

test("node: 24 or newer", () => {
  assert.equal(checkNode("24.0.0").status, "ok");
  assert.equal(checkNode("20.19.0").status, "fail");
});
