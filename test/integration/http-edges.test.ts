/**
 * What fuzzing found at the edges of both HTTP servers, each with the answer it now gets: deep bodies, dates a Date
 * cannot hold, unbounded query numbers, answers outside the error envelope, resets on oversized bodies.
 */
import { defer } from "../helpers/defer.js";
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ManualClock } from "../../src/domain/clock.js";
import { alert, runCli, startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { envelopeProblems, rawExchange, type Target } from "../helpers/raw-http.js";
import { tempHome, testHome } from "../helpers/temp-home.js";

const T0 = Date.parse("2026-11-24T10:00:00+09:00");
const SECRET = "http-edges-test-secret-0123456789";

async function daemon(t: TestContext): Promise<{ d: TestDaemon; clock: ManualClock; tcp: Target; unix: Target }> {
  const { home, cleanup } = tempHome({ risk: { marketHours: "always", cooldownMinutes: 0, maxDailyEntries: 100 } });
  const clock = new ManualClock(T0);
  const d = await startTestDaemon({ clock, env: { WEBHOOK_SECRET: SECRET }, home });
  defer(t, async () => {
    await d.close();
    cleanup();
  });
  const u = new URL(d.url);
  return { d, clock, tcp: { host: u.hostname, port: Number(u.port) }, unix: { path: d.socketPath } };
}

function assertEnvelope(status: number, body: unknown, label = ""): void {
  assert.deepEqual(envelopeProblems(status, typeof body === "string" ? body : JSON.stringify(body)), [], `${label} ${JSON.stringify(body)}`);
}

test("a body nested 5,000 levels deep is a 400 at the parse step, and a valid alert with such a comment makes no order (redacting it overflowed the stack: a 500 after the order was filled)", async (t) => {
  const { d, clock } = await daemon(t);
  const deep = `${"[".repeat(5000)}${"]".repeat(5000)}`;
  const json = { "content-type": "application/json" };
  const bare = await d.post("/webhook", `{"a":${deep}}`, json);
  assert.equal(bare.status, 400);
  assertEnvelope(bare.status, bare.body);
  assert.match(bare.body.message, /^JSON nests deeper than 32 levels at line 1 column \d+$/);
  const withAlert = JSON.stringify(alert(SECRET, { entry_price: 3000 }, clock.now())).replace(/}$/, `,"comment":${deep}}`);
  for (const path of ["/webhook", "/webhook/test"]) {
    const res = await d.post(path, withAlert, json);
    assert.equal(res.status, 400, `${path}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error_code, "VALIDATION_ERROR");
  }
  const admin = await d.post("/admin/kill-switch", `{"password":"x","reason":${deep}}`, json);
  assert.equal(admin.status, 400);
  assertEnvelope(admin.status, admin.body);
  assert.equal((await d.socket("GET", "/orders")).body.data.total, 0, "no order made");

  // within the limit, a nested comment goes through admission, the answer and the journal's redacted copy
  let comment: unknown = { passphrase: SECRET };
  for (let i = 0; i < 30; i++) comment = [comment];
  const ok = await d.post("/webhook", alert(SECRET, { entry_price: 3000, comment }, clock.now() + 1));
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal((await d.socket("GET", "/orders")).body.data.total, 1);
});

test("an expires_at between 8.64e15 and 2^53 is a 400 on /webhook and a ❌ line on /webhook/test (writing it as a date threw: a 500)", async (t) => {
  const { d, clock } = await daemon(t);
  for (const v of [9e15, 2 ** 53 - 1, "9007199254740991"]) {
    const live = await d.post("/webhook", alert(SECRET, { entry_price: 3000, expires_at: v }, clock.now()));
    assert.equal(live.status, 400, JSON.stringify(live.body));
    assert.deepEqual(live.body.errors, [{ field: "expires_at", message: "Invalid expires_at: not a real date and time", value: v }]);
    const dry = await d.post("/webhook/test", alert(SECRET, { expires_at: v }, clock.now()));
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    assert.equal(dry.body.data.validation_results.expires_at, "❌ Invalid expires_at: not a real date and time");
    assert.equal(dry.body.data.would_execute, false);
  }
});

test("query numbers are bounded by every route's schema: GET /orders?offset=1e21 is a 400 on the port and the socket (SQLite refused it: a 500)", async (t) => {
  const { d, clock } = await daemon(t);
  const key = (await d.socket("POST", "/keys", { name: "edges" })).body.data.key as string;
  const auth = { authorization: `Bearer ${key}` };
  const refused: Array<[string, string]> = [
    ["/orders?offset=1e21", "offset"],
    ["/orders?offset=Infinity", "offset"],
    ["/orders?limit=1e999", "limit"],
    ["/orders?limit=-Infinity", "limit"],
    ["/orders?offset=1000000001", "offset"],
    ["/orders?offset=-1", "offset"],
    ["/orders?limit=1e21", "limit"],
    ["/orders?limit=0", "limit"],
    ["/orders?from=99999999999999999", "from"],
    ["/orders?to=yesterday", "to"],
    ["/orders?ticker=AAPL", "ticker"],
    ["/orders?status=lost", "status"],
    ["/orders?limt=10", "limt"],
  ];
  for (const [path, field] of refused) {
    for (const [where, res] of [["port", await d.get(path, auth)], ["socket", await d.socket("GET", path)]] as const) {
      assert.equal(res.status, 400, `${where} ${path}: ${JSON.stringify(res.body)}`);
      assertEnvelope(res.status, res.body, `${where} ${path}`);
      assert.equal(res.body.error_code, "VALIDATION_ERROR");
      assert.equal(res.body.errors[0].field, field, `${where} ${path}`);
    }
  }
  for (const [path, field] of [
    ["/audit?limit=1e21", "limit"],
    ["/audit?limit=Infinity", "limit"],
    ["/events?history=Infinity", "history"],
    ["/rates?symbol=9984&count=1e999", "count"],
    ["/audit?type=%00", "type"],
    ["/events?history=1e21", "history"],
    ["/rates?symbol=9984&count=1e21", "count"],
    ["/rates?symbol=9984&start=1e21", "start"],
    ["/rates?count=5", "symbol"],
    ["/events?histroy=5", "histroy"],
  ] as const) {
    const res = await d.socket("GET", path);
    assert.equal(res.status, 400, `${path}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.errors[0].field, field, path);
  }
  const days = await d.socket("POST", "/keys", { name: "far", expires_days: 1e12 });
  assert.equal(days.status, 400, "a key's expiry must stay a date (it was a 500)");

  // in bounds: the page asked for, and a ticker with TradingView's prefix finds the plain code's orders
  assert.equal((await d.post("/webhook", alert(SECRET, { entry_price: 3000 }, clock.now()))).status, 200);
  const page = await d.socket("GET", "/orders?offset=1000000000&limit=500");
  assert.deepEqual([page.status, page.body.data.orders.length, page.body.data.offset], [200, 0, 1_000_000_000]);
  const prefixed = await d.get("/orders?ticker=TSE:9984", auth);
  assert.equal(prefixed.body.data.total, 1);
});

test("the CLI checks numbers before it sends them: tradectl orders --offset 1e21 is a usage error", async (t) => {
  const home = testHome(t);
  // no daemon runs on this home: an option sent unchecked would end in exit 3 (not reachable), not 2
  const cases: Array<[string[], RegExp]> = [
    [["orders", "--offset", "1e21"], /--offset <n>.* argument '1e21' is invalid\. expected an integer from 0 to 1000000000/],
    [["orders", "--limit", "501"], /--limit <n>.* argument '501' is invalid\. expected an integer from 1 to 500/],
    [["orders", "--limit", "-5"], /--limit <n>.* argument '-5' is invalid/],
    [["keys", "create", "--expires-days", "1e12"], /--expires-days <n>.* argument '1e12' is invalid\. expected an integer from 1 to 36500/],
    [["events", "--history", "1001"], /--history <n>.* argument '1001' is invalid\. expected an integer from 0 to 1000/],
  ];
  for (const [args, message] of cases) {
    const res = await runCli([...args, "--home", home]);
    assert.equal(res.code, 2, `${args.join(" ")}: ${res.stderr}`);
    assert.match(res.stderr, message);
  }
});

test("answers node and fastify gave in shapes of their own are in the error envelope on both servers (bad URL encoding, over-long path and request line, headers over 8 KB closed without Connection: close, no Host, CONNECT, garbage, an unknown Expect, bad framing)", async (t) => {
  const { tcp, unix } = await daemon(t);
  const cases: Array<{ name: string; request: string; status: number; code: string; closes: boolean }> = [
    { name: "bad percent-encoding", request: "GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n", status: 400, code: "MALFORMED_REQUEST", closes: false },
    { name: "path parameter over 100 characters", request: `GET /orders/${"A".repeat(300)} HTTP/1.1\r\nHost: x\r\n\r\n`, status: 414, code: "URI_TOO_LONG", closes: false },
    { name: "request line over 8 KB", request: `GET /health?q=${"a".repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`, status: 414, code: "URI_TOO_LONG", closes: true },
    { name: "headers over 8 KB", request: `GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: ${"a".repeat(9000)}\r\n\r\n`, status: 431, code: "HEADERS_TOO_LARGE", closes: true },
    { name: "no Host", request: "GET /health HTTP/1.1\r\n\r\n", status: 400, code: "MALFORMED_REQUEST", closes: false },
    { name: "CONNECT", request: "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", status: 405, code: "METHOD_NOT_ALLOWED", closes: true },
    { name: "not HTTP", request: "FOO BAR\r\n\r\n", status: 400, code: "MALFORMED_REQUEST", closes: true },
    { name: "HTTP/2 preface", request: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", status: 400, code: "MALFORMED_REQUEST", closes: true },
    { name: "unknown Expect", request: "POST /admin/kill-switch HTTP/1.1\r\nHost: x\r\nExpect: x-magic\r\nContent-Length: 2\r\n\r\n{}", status: 417, code: "EXPECTATION_FAILED", closes: true },
    { name: "Content-Length with chunked", request: "POST /admin/kill-switch HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400, code: "MALFORMED_REQUEST", closes: true },
    { name: "body cut short", request: "POST /admin/kill-switch HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{}", status: 400, code: "MALFORMED_REQUEST", closes: true },
    { name: "bad chunk size", request: "POST /admin/kill-switch HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", status: 400, code: "MALFORMED_REQUEST", closes: true },
    // node does not read the body of an Upgrade request as a body: these went unanswered
    { name: "Upgrade with a chunked body", request: "POST /admin/kill-switch HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: x-fuzz\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", status: 400, code: "MALFORMED_REQUEST", closes: true },
    { name: "Upgrade with a body cut short", request: "POST /admin/kill-switch HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: x-fuzz\r\nContent-Length: 50\r\n\r\n{}", status: 400, code: "MALFORMED_REQUEST", closes: true },
  ];
  let answered = 0;
  for (const [server, target] of [["tcp", tcp], ["socket", unix]] as const) {
    for (const c of cases) {
      const ex = await rawExchange(target, c.request);
      const label = `${server}: ${c.name}`;
      assert.equal(ex.error, null, `${label}: the connection was ${ex.error}`);
      assert.equal(ex.responses.length, 1, `${label}: ${JSON.stringify(ex)}`);
      const r = ex.responses[0]!;
      assert.equal(r.status, c.status, `${label}: ${r.body}`);
      assert.match(r.headers["content-type"] ?? "", /^application\/json/, label);
      assertEnvelope(r.status, r.body, label);
      assert.equal(JSON.parse(r.body).error_code, c.code, label);
      if (c.closes) assert.equal(r.headers["connection"], "close", `${label}: closed without saying so`);
      answered++;
    }
  }
  assert.equal(answered, cases.length * 2);
  // HTTP/1.0 needs no Host; an Upgrade without a body is ignored (curl's h2c probe gets its answer)
  const old = await rawExchange(tcp, "GET /health HTTP/1.0\r\n\r\n");
  assert.equal(old.responses[0]?.status, 200);
  const h2c = await rawExchange(tcp, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n");
  assert.equal(h2c.responses[0]?.status, 200);
});

test("an invitation's token stays out of the access log also when the request is refused before any route (417, a bad Upgrade)", async (t) => {
  const { d, tcp } = await daemon(t);
  const token = "inv-token-that-must-not-be-logged-0123456789";
  await rawExchange(tcp, `POST /relay/invite/${token} HTTP/1.1\r\nHost: x\r\nExpect: x-magic\r\nContent-Length: 2\r\n\r\n{}`);
  await rawExchange(tcp, `POST /relay/invite/${token}?x=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: x-fuzz\r\nContent-Length: 50\r\n\r\n{}`);
  await rawExchange(tcp, `GET /relay/invite/${token} HTTP/1.1\r\nHost: x\r\n\r\n`);
  await d.handle.stop();
  const logs = join(d.handle.paths.logsDir);
  const access = readdirSync(logs).filter((f) => f.startsWith("access")).map((f) => readFileSync(join(logs, f), "utf8")).join("");
  assert.equal((access.match(/\/relay\/invite\/inv-…/g) ?? []).length, 3, access);
  assert.ok(!access.includes(token.slice(4)), "the token is in the access log");
});

test("HEAD /events answers with its headers and ends (a stream drops a HEAD's writes, so its headers were never sent: it hung)", async (t) => {
  const { unix } = await daemon(t);
  const ex = await rawExchange(unix, "HEAD /events?history=5 HTTP/1.1\r\nHost: x\r\n\r\n", { headFor: () => true });
  assert.equal(ex.error, null);
  assert.deepEqual(ex.responses.map((r) => [r.status, r.headers["content-type"], r.body]), [[200, "text/event-stream", ""]]);
});

test("a client still sending after an answer that closes the connection reads that answer, not a reset (node closed such sockets at once)", async (t) => {
  const { tcp, unix } = await daemon(t);
  const garbage = Buffer.alloc(3 * 1024 * 1024, 0x61);
  const cases: Array<[string, string, number]> = [
    ["Connection: close", "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200],
    ["HTTP/1.0", "GET /health HTTP/1.0\r\n\r\n", 200],
    ["unknown Expect, body unread", "POST /admin/kill-switch HTTP/1.1\r\nHost: x\r\nExpect: x-magic\r\nContent-Length: 9\r\n\r\n", 417],
    // pipelined behind it, a request whose answer can no longer be written: its unread body paused the socket
    ["a request pipelined behind a 417", "POST /admin/kill-switch HTTP/1.1\r\nHost: x\r\nExpect: x-magic\r\nContent-Length: 2\r\n\r\n{}POST /admin/kill-switch HTTP/1.1\r\nContent-Length: 3145728\r\n\r\n", 417],
    // a CONNECT behind it takes the socket from node's parser: nobody read it any more
    ["a CONNECT pipelined behind a 417", "POST /admin/kill-switch HTTP/1.1\r\nHost: x\r\nExpect: x-magic\r\nContent-Length: 2\r\n\r\n{}CONNECT a:1 HTTP/1.1\r\nHost: a\r\n\r\n", 417],
  ];
  for (const [server, target] of [["tcp", tcp], ["socket", unix]] as const) {
    for (const [name, head, status] of cases) {
      const ex = await rawExchange(target, Buffer.concat([Buffer.from(head), garbage]));
      assert.equal(ex.error, null, `${server}, ${name}: the client saw ${ex.error}`);
      assert.equal(ex.responses[0]?.status, status, `${server}, ${name}`);
    }
  }
});

test("a client still writing a body over 1 MB gets the 413 with Connection: close, not a reset (it saw EPIPE/ECONNRESET)", async (t) => {
  const { tcp, unix } = await daemon(t);
  const size = 3 * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const write = (s: Socket, b: Buffer) => new Promise<void>((resolve, reject) => s.write(b, (err) => (err ? reject(err) : resolve())));
  for (const [server, target] of [["tcp", tcp], ["socket", unix]] as const) {
    for (const framing of ["length", "chunked"] as const) {
      const label = `${server}, ${framing}`;
      const ex = await rawExchange(target, async (s) => {
        const answer = new Promise<void>((resolve) => s.once("data", () => resolve()));
        const head = framing === "length" ? `Content-Length: ${size}` : "Transfer-Encoding: chunked";
        await write(s, Buffer.from(`POST /admin/kill-switch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${head}\r\n\r\n`));
        const piece = framing === "length" ? chunk : Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]);
        let sent = 0;
        // enough to pass the limit, then the rest only once the answer is in: the server has given up on the body
        while (sent <= 1024 * 1024) sent += (await write(s, piece), chunk.length);
        await answer;
        while (sent < size) sent += (await write(s, piece), chunk.length);
        if (framing === "chunked") await write(s, Buffer.from("0\r\n\r\n"));
      });
      assert.equal(ex.error, null, `${label}: the client saw ${ex.error}`);
      assert.equal(ex.responses.length, 1, label);
      const r = ex.responses[0]!;
      assert.equal(r.status, 413, label);
      assert.equal(r.headers["connection"], "close", label);
      assertEnvelope(r.status, r.body, label);
      assert.equal(JSON.parse(r.body).error_code, "PAYLOAD_TOO_LARGE");
    }
  }
});
