/**
 * The API's one error handler (api/app.ts): every code of the one table (domain/errors.ts) thrown from a route comes
 * out with its status, its code (or, for a code of the daemon's inside, its kind's API code) and the envelope; a
 * TradectlError thrown from control, relay or notify code is answered with its own status and code, not 500.
 * Apps built by buildApp with a real daemon's deps, reached with `inject`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../../src/api/app.js";
import { API_ERROR_CODES, ERROR_CODES, ERRORS, TradectlError, type ErrorCode } from "../../src/domain/errors.js";
import { startTestDaemon, TEST_CONFIG } from "../helpers/daemon.js";
import { defer } from "../helpers/defer.js";

/** What each kind must come out as, written out here (not read from the code under test). */
const BY_KIND = { rejected: { status: 400, code: "VALIDATION_ERROR" }, temporary: { status: 503, code: "SERVICE_UNAVAILABLE" }, internal: { status: 500, code: "INTERNAL_ERROR" } } as const;

async function appWithThrowingRoutes(deps: Parameters<typeof buildApp>[0]["deps"], kind: "public" | "control"): Promise<FastifyInstance> {
  const app = await buildApp({ kind, deps });
  app.get<{ Params: { code: string } }>("/throw/:code", async (req) => {
    throw new TradectlError(req.params.code as ErrorCode, `thrown ${req.params.code}`, { details: { where: "test" } });
  });
  app.get("/throw-415", async () => {
    throw new TradectlError("VALIDATION_ERROR", "not JSON", { status: 415 });
  });
  app.get("/throw-fields", async () => {
    throw new TradectlError("VALIDATION_ERROR", "Invalid body", { errors: [{ field: "a", message: "a is bad", value: 1 }] });
  });
  app.get("/throw-plain", async () => {
    throw new Error("a bug");
  });
  await app.ready();
  return app;
}

test("every code of the table is answered with its status and code on both apps; other codes as their kind", async (t) => {
  const d = await startTestDaemon();
  defer(t, () => d.close());
  for (const kind of ["public", "control"] as const) {
    const app = await appWithThrowingRoutes(d.handle.apiDeps, kind);
    defer(t, () => app.close());
    for (const code of ERROR_CODES) {
      const res = await app.inject({ method: "GET", url: `/throw/${code}` });
      const body = res.json();
      const spec = ERRORS[code] as { kind: keyof typeof BY_KIND; http?: readonly number[] };
      const label = `${kind} ${code}`;
      assert.equal(body.status, "error", label);
      assert.match(body.request_id, /^req_[0-9a-f]{16}$/, label);
      if (spec.kind === "internal") {
        assert.deepEqual([res.statusCode, body.error_code, body.message, body.details], [500, "INTERNAL_ERROR", "Internal server error", undefined], label);
      } else if (spec.http) {
        assert.deepEqual([res.statusCode, body.error_code, body.message, body.details], [spec.http[0], code, `thrown ${code}`, { where: "test" }], label);
        assert.equal(Math.floor(res.statusCode / 100), spec.kind === "rejected" ? 4 : 5, `${label}: a ${spec.kind} code`);
      } else {
        const as = BY_KIND[spec.kind];
        assert.deepEqual([res.statusCode, body.error_code, body.message, body.details], [as.status, as.code, `thrown ${code}`, { where: "test", code }], label);
      }
      assert.equal(body.help_url, `/docs/errors#${body.error_code.toLowerCase().replace(/_/g, "-")}`, label);
      // Every 400 VALIDATION_ERROR lists its fields (seed 2.1), also one answered for a rejected code of the inside.
      if (res.statusCode === 400 && body.error_code === "VALIDATION_ERROR") assert.deepEqual(body.errors, [{ field: "body", message: `thrown ${code}` }], `${label}: its errors`);
    }

    const media = await app.inject({ method: "GET", url: "/throw-415" });
    assert.deepEqual([media.statusCode, media.json().error_code], [415, "VALIDATION_ERROR"], "one of a code's other statuses");
    const fields = await app.inject({ method: "GET", url: "/throw-fields" });
    assert.deepEqual([fields.statusCode, fields.json().errors], [400, [{ field: "a", message: "a is bad", value: 1 }]], "a field list is the envelope's errors");
    const plain = await app.inject({ method: "GET", url: "/throw-plain" });
    assert.deepEqual([plain.statusCode, plain.json().error_code, plain.json().message], [500, "INTERNAL_ERROR", "Internal server error"], "anything else is a bug");
  }
  // Every API code is reachable as itself: nothing in the table is answered as something else.
  assert.ok(API_ERROR_CODES.length >= 20);
});

test("a TradectlError thrown by relay and notify code comes out with its own status and code, not 500", async (t) => {
  const d = await startTestDaemon({
    config: { ...TEST_CONFIG, notify: { channels: [{ name: "desk", kind: "discord" }] } },
    env: { DISCORD_WEBHOOK_URL: "http://127.0.0.1:1/api/webhooks/1/never-used-token-0123456789" },
  });
  defer(t, () => d.close());
  const control = d.handle.apps.control;
  // relay (relay-sender.ts, relay-receiver.ts)
  const channel = await control.inject({ method: "GET", url: "/relay/channels/no-such-channel" });
  assert.deepEqual([channel.statusCode, channel.json().error_code], [404, "NOT_FOUND"]);
  const sizing = await control.inject({ method: "POST", url: "/relay/subscriptions", payload: { url: "http://127.0.0.1:1/relay/invite/x", sizing: 0 } });
  assert.deepEqual([sizing.statusCode, sizing.json().error_code, sizing.json().details.field], [400, "VALIDATION_ERROR", "sizing"]);
  const unreachable = await control.inject({ method: "POST", url: "/relay/subscriptions", payload: { url: "http://127.0.0.1:1/relay/invite/x", sizing: 1 } });
  assert.deepEqual([unreachable.statusCode, unreachable.json().error_code], [502, "SERVICE_UNAVAILABLE"], "a relay peer not reached: 502");
  // notify (notifier.ts): a channel name the notifier does not know
  const notify = await control.inject({ method: "POST", url: "/notify/test", payload: { channel: "nope" } });
  assert.deepEqual([notify.statusCode, notify.json().error_code, notify.json().details], [404, "NOT_FOUND", { field: "channel", value: "nope" }]);
});
