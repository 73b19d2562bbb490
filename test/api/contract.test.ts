/**
 * The HTTP contract holds: every route of both servers (the public port and the control socket) is documented by
 * its own schema, the OpenAPI documents are generated from those routes, and every real answer a route sends in a
 * day's traffic — successes and refusals, the relay's signed calls between daemons included — has a documented
 * status and media type and validates against its schema. A route added without a schema, or an answer that drifts
 * from its schema, fails here.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { Ajv } from "ajv";
import bcrypt from "bcryptjs";
import type { ObservedAnswer } from "../../src/api/app.js";
import type { RouteSchema } from "../../src/api/contract/route-doc.js";
import { routeRegistry } from "../../src/api/contract/route-registry.js";
import type { DocumentedRoute } from "../../src/api/contract/openapi.js";
import { alert, startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { defer } from "../helpers/defer.js";
import { FAKE_CHAT_ID, FAKE_TELEGRAM_TOKEN, startFakeChatProcess } from "../helpers/fake-chat-process.js";
import { accept, createChannel, invite } from "../helpers/relay.js";
import { tempHome } from "../helpers/temp-home.js";
import { until } from "../helpers/until.js";

const ADMIN_PASSWORD = "contract-admin-password";
const ajv = new Ajv({ strict: false, allowUnionTypes: true, allErrors: true });
const compiled = new Map<object, ReturnType<typeof ajv.compile>>();
const validatorOf = (schema: object) => {
  let v = compiled.get(schema);
  if (!v) compiled.set(schema, (v = ajv.compile(schema)));
  return v;
};

/** Why `a` breaks its route's contract, or null when it keeps it. */
function breach(a: ObservedAnswer, route: DocumentedRoute | undefined): string | null {
  if (!route) return a.route === undefined && a.status === 404 ? null : `no documented route for ${a.method} ${a.route}`;
  const doc = route.schema.response[String(a.status)];
  if (!doc) return `status ${a.status} is not documented (documented: ${Object.keys(route.schema.response).join(", ")})`;
  const type = a.contentType.split(";")[0]!.trim();
  const media = doc.content[type];
  if (!media) return `${a.status} answered as ${type || "no content type"}, documented as ${Object.keys(doc.content).join(", ")}`;
  if (type !== "application/json") return typeof a.payload === "string" || Buffer.isBuffer(a.payload) ? null : `a ${type} answer that is not text`;
  const body = JSON.parse(String(a.payload)) as unknown;
  const validate = validatorOf(media.schema);
  return validate(body) ? null : `${a.status} body off its schema: ${ajv.errorsText(validate.errors)}: ${String(a.payload).slice(0, 400)}`;
}

/** GET /events: headers only (the stream never ends), checked as the answer it starts. */
function eventsHead(socketPath: string): Promise<ObservedAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: "/events?history=2", method: "GET" }, (res) => {
      resolve({ app: "control", method: "GET", route: "/events", status: res.statusCode ?? 0, contentType: String(res.headers["content-type"] ?? ""), payload: "" });
      req.destroy();
    });
    req.on("error", reject);
    req.end();
  });
}

test("every route of both servers is documented, and every answer it sends keeps its documented contract", async (t) => {
  const chat = await startFakeChatProcess(t);
  const seen: ObservedAnswer[] = [];
  const home = tempHome({
    risk: { marketHours: "always", cooldownMinutes: 0, maxDailyEntries: 3 },
    relay: { retryMinMs: 20, retryMaxMs: 100 },
    notify: { batchDelayMs: 0, channels: [{ name: "phone", kind: "telegram", chatId: FAKE_CHAT_ID, apiUrl: chat.telegramApi, events: ["system.killed"] }] },
  });
  defer(t, home.cleanup);
  const d: TestDaemon = await startTestDaemon({
    home: home.home,
    env: { ADMIN_PASSWORD_HASH: bcrypt.hashSync(ADMIN_PASSWORD, 4), TELEGRAM_BOT_TOKEN: FAKE_TELEGRAM_TOKEN },
    observeAnswer: (a) => seen.push(a),
  });
  defer(t, () => d.close());
  const apps = d.handle.apps;

  // ---- every route has its schema
  for (const app of [apps.public, apps.control]) assert.deepEqual(routeRegistry(app).undocumented, [], "routes registered without a schema");

  // ---- a day's traffic, public port
  const now = Date.now();
  let seq = 0;
  const signal = (over: Record<string, unknown> = {}) => alert(d.passphrase, { entry_price: 3000, ...over }, now + seq++);
  await d.get("/health");
  await d.get("/openapi.json");
  await d.get("/docs/errors");
  await d.get("/no-such-route");
  const filled = await d.post("/webhook", signal());
  assert.equal(filled.status, 200, JSON.stringify(filled.body));
  const orderId = (filled.body as { data: { order_id: string } }).data.order_id;
  const resting = await d.post("/webhook", signal({ price: 1000 }));
  assert.equal((resting.body as { data: { order_status: string } }).data.order_status, "working", JSON.stringify(resting.body));
  const restingId = (resting.body as { data: { order_id: string } }).data.order_id;
  await d.post("/webhook", signal({ ticker: "99" }));
  await d.post("/webhook", signal(), { "content-type": "application/xml" });
  await d.post("/webhook", { ...signal(), passphrase: "not-the-passphrase-at-all" });
  await d.post("/webhook", signal({ action: "sell", ticker: "7203" }));
  await d.post("/webhook", signal({ timestamp: String(now - 10 * 60_000) }));
  await d.post("/webhook", signal({ ticker: "7203" }));
  await d.post("/webhook", signal({ ticker: "6758" }));
  await d.post("/webhook", signal({ ticker: "8306" }));
  await d.post("/webhook/test", signal());
  await d.post("/webhook/test", { ...signal(), passphrase: "not-the-passphrase-at-all" });
  const key = ((await d.socket("POST", "/keys", { name: "contract" })).body as { data: { key: string; id: string } }).data;
  const bearer = { authorization: `Bearer ${key.key}` };
  await d.get("/status", bearer);
  await d.get("/status");
  await d.get("/positions", bearer);
  await d.get("/positions");
  await d.get("/orders?limit=5", bearer);
  await d.get("/orders?limit=0", bearer);
  await d.get(`/orders/${orderId}`, bearer);
  await d.get("/orders/ORD_20000101_001", bearer);
  await d.post("/admin/kill-switch", { password: "wrong-password", reason: "contract" });
  await d.post("/admin/kill-switch", { password: ADMIN_PASSWORD, reason: "contract" });
  await d.post("/webhook", signal({ ticker: "9432" }));
  await d.post("/admin/resume", { password: "wrong-password" });
  await d.post("/admin/resume", { password: ADMIN_PASSWORD });

  // ---- the control socket
  for (const path of ["/health", "/docs/errors", "/ping", "/quotes", "/rates?symbol=9984&count=3", "/rates?symbol=9984&timeframe=X1", "/audit?limit=3", "/audit?limit=0", "/events?history=-1", "/orders?limit=0", "/orders/ORD_20000101_001", "/keys", "/status", "/positions", "/orders", `/orders/${orderId}`, "/metrics", "/notify", "/openapi.json"]) {
    await d.socket("GET", path);
  }
  assert.equal((await d.socket("POST", "/notify/test", { channel: "phone" })).status, 200);
  await d.socket("POST", "/notify/test", { channel: 5 });
  await d.socket("POST", "/keys", { name: "bad/name" });
  await d.socket("DELETE", `/keys/${key.id}`);
  await d.socket("DELETE", `/keys/${key.id}`);
  await d.socket("POST", "/admin/kill-switch", { reason: "socket", actor: "contract" });
  await d.socket("POST", "/admin/resume", { actor: "contract" });
  await d.socket("POST", "/admin/resume", ["not", "an", "object"]);
  await d.socket("POST", "/admin/kill-switch", { flatten: "yes" });
  await d.socket("POST", "/close", { ticker: "9984" });
  await d.socket("POST", "/close", {});
  await d.socket("POST", `/orders/${restingId}/cancel`);
  await d.socket("POST", "/orders/ORD_20000101_001/cancel");
  const events = await eventsHead(d.socketPath);

  // ---- the relay, both sides on this one daemon (self-invite), signed calls over real HTTP
  const channel = await createChannel(d, "contract");
  await d.socket("POST", "/relay/channels", { name: "contract" });
  await d.socket("GET", "/relay/channels");
  await d.socket("GET", `/relay/channels/${channel.id}`);
  await d.socket("GET", "/relay/channels/nope");
  const browserInvite = await invite(d, channel.id, { note: "browser" });
  const token = (u: string) => new URL(u).pathname;
  await d.get(token(browserInvite), { accept: "text/html" });
  await d.get(token(browserInvite));
  await d.post(token(browserInvite), new URLSearchParams({ delivery_url: "http://127.0.0.1:9/hook", name: "bot" }).toString(), { "content-type": "application/x-www-form-urlencoded", accept: "text/html" });
  await d.get(token(browserInvite), { accept: "text/html" });
  await d.get(token(browserInvite));
  await d.get("/relay/invite/no-such-token");
  await d.post("/relay/invite/no-such-token", { delivery_url: "http://127.0.0.1:9/hook", signing_secret: "s".repeat(40) });
  await d.socket("POST", `/relay/channels/${channel.id}/invitations`, { expires_ms: -1 });
  const sub = await accept(d, await invite(d, channel.id));
  await d.socket("POST", "/relay/subscriptions", { url: "not a url" });
  await d.socket("GET", "/relay/subscriptions");
  const receivers = ((await d.socket("GET", `/relay/channels/${channel.id}/receivers`)).body as { data: Array<{ id: string; kind: string }> }).data;
  const own = receivers.find((r) => r.kind === "tradectl")!;
  await d.post(`/relay/in/${channel.id}`, { ...signal({ ticker: "4063" }), passphrase: channel.passphrase });
  await d.post(`/relay/in/${channel.id}`, { ...signal({ ticker: "4063" }), passphrase: "wrong-passphrase-for-channel" });
  await d.post("/relay/in/chn_nope", { ...signal(), passphrase: channel.passphrase });
  await until("the delivery answered", () => seen.some((a) => a.route === "/relay/deliver/:id" && a.status === 200));
  await d.socket("POST", `/relay/subscriptions/${sub.id}/pause`);
  await d.socket("POST", `/relay/subscriptions/${sub.id}/resume`);
  await d.socket("POST", `/relay/channels/${channel.id}/receivers/${own.id}/pause`);
  await d.socket("POST", `/relay/channels/${channel.id}/receivers/${own.id}/resume`);
  await d.socket("POST", `/relay/channels/${channel.id}/receivers/rcv_nope/pause`);
  await d.socket("POST", "/relay/subscriptions/sub_nope/pause");
  await d.socket("GET", `/relay/status?channel=${channel.id}`);
  await d.socket("GET", "/relay/status?channel=nope");
  await d.socket("GET", `/relay/status?channel=${"c".repeat(65)}`);
  await d.socket("GET", "/relay/channels/nope/receivers");
  await d.socket("POST", `/relay/channels/${channel.id}/receivers/rcv_nope/resume`);
  await d.socket("POST", "/relay/subscriptions/sub_nope/resume");
  await d.socket("DELETE", "/relay/channels/nope");
  await d.post(`/relay/deliver/${sub.id}`, { unsigned: true });
  await d.post(`/relay/deliver/${sub.id}/state`, { paused: true });
  await d.post(`/relay/receivers/${own.id}/state`, { paused: true });
  await d.post(`/relay/receivers/${own.id}/fills`, { delivery_id: "dlv_x", filled_at: 1 });
  await d.socket("DELETE", `/relay/channels/${channel.id}`);

  // ---- every answer keeps its route's contract
  const routes = [...routeRegistry(apps.public).documented.map((r) => ["public", r] as const), ...routeRegistry(apps.control).documented.map((r) => ["control", r] as const)];
  const find = (a: ObservedAnswer) => routes.find(([app, r]) => app === a.app && r.method === a.method && r.url === a.route)?.[1];
  const breaches = [...seen, events].map((a) => [`${a.app} ${a.method} ${a.route ?? "(none)"} ${a.status}`, breach(a, find(a))] as const).filter(([, b]) => b !== null);
  assert.deepEqual(breaches, [], "answers that break their route's contract");

  // ---- every route answered with success at least once, and refused in at least one documented way when it can be
  const answered = new Set([...seen, events].filter((a) => a.status < 300).map((a) => `${a.app} ${a.method} ${a.route}`));
  const refused = new Set([...seen, events].filter((a) => a.status >= 400 && a.status < 500).map((a) => `${a.app} ${a.method} ${a.route}`));
  const unanswered = routes.filter(([app, r]) => !answered.has(`${app} ${r.method} ${r.url}`)).map(([app, r]) => `${app} ${r.method} ${r.url}`);
  // A signed fill report comes only when a delivery's order fills after the answer (a real broker past the sync budget).
  assert.deepEqual(unanswered, ["public POST /relay/receivers/:id/fills"], "routes never seen answering with success");
  const refusable = (s: RouteSchema) => Object.keys(s.response).some((st) => Number(st) >= 400 && Number(st) < 500 && st !== "429");
  const neverRefused = routes.filter(([app, r]) => refusable(r.schema) && !refused.has(`${app} ${r.method} ${r.url}`)).map(([app, r]) => `${app} ${r.method} ${r.url}`);
  // GET /metrics refuses only when metrics.enabled is false.
  assert.deepEqual(neverRefused, ["control GET /metrics"], "routes never seen refusing");
});

test("the published documents are generated from the routes: each route once, with every status it documents", async (t) => {
  const d = await startTestDaemon();
  defer(t, () => d.close());
  for (const [kind, app, doc] of [
    ["public", d.handle.apps.public, (await d.get("/openapi.json")).body],
    ["control", d.handle.apps.control, (await d.socket("GET", "/openapi.json")).body],
  ] as const) {
    const paths = (doc as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }).paths;
    const routes = routeRegistry(app).documented;
    const ops = Object.entries(paths).flatMap(([p, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`));
    assert.deepEqual(ops.sort(), routes.map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, "{$1}")}`).sort(), `${kind}: one operation per route`);
    for (const r of routes) {
      const op = paths[r.url.replace(/:(\w+)/g, "{$1}")]![r.method.toLowerCase()]!;
      assert.deepEqual(Object.keys(op.responses).sort(), Object.keys(r.schema.response).sort(), `${kind} ${r.method} ${r.url}`);
      assert.ok("500" in op.responses, `${kind} ${r.method} ${r.url} documents 500`);
    }
  }
  const webhook = (await d.get("/openapi.json")).body as { paths: Record<string, Record<string, { responses: Record<string, { description: string }> }>> };
  const statuses = Object.keys(webhook.paths["/webhook"]!["post"]!.responses);
  for (const s of ["200", "202", "400", "401", "403", "413", "415", "422", "429", "500", "503"]) assert.ok(statuses.includes(s), `/webhook documents ${s}`);
  assert.match(webhook.paths["/webhook"]!["post"]!.responses["422"]!.description, /ORDER_REJECTED or SIGNAL_EXPIRED/);
});
