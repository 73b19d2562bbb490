/**
 * A faithful fake of OANDA's streaming and REST endpoints (v1 per seed 003, v20 pricing and
 * transactions, plus a generic SSE source), with fault switches a test can flip at runtime
 * through `POST /_control`, and a log of every connection at `GET /_log`.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const FIXTURES = fileURLToPath(new URL("../../fixtures/oanda/", import.meta.url));

export interface Switches {
  /** Milliseconds between generated ticks (0 = only on demand via emitTick). */
  tickMs: number;
  /** Milliseconds between heartbeats on every stream. */
  heartbeatMs: number;
  /** Destroy each stream connection's socket after it has written this many lines (0 = never). */
  dropAfterLines: number;
  /** Send a `disconnect` message (code 60) after this many lines, then end (0 = never). */
  disconnectAfterLines: number;
  /** Keep connections open but write nothing at all (no heartbeats either). */
  stall: boolean;
  /** Answer the next K stream connection attempts with 429. */
  rateLimitCount: number;
  /** Retry-After seconds sent with a 429. */
  retryAfterSeconds: number;
  /** Split every write at random byte offsets (mid-line and mid-UTF-8 character). */
  splitChunks: boolean;
  /** Write a garbage line before every Nth real line (0 = never). */
  garbageEvery: number;
  /** Snapshot prices not tradeable, then heartbeats only. */
  marketClosed: boolean;
  /** Leave the next K new transactions off the transaction streams (they stay in sinceid). */
  missTransactions: number;
  /** When set, requests must carry `Authorization: Bearer <token>` (401 otherwise). */
  requireToken: string | null;
  /** v20 time fields as RFC 3339 ("rfc3339") or UNIX seconds strings ("unix"). */
  timeFormat: "rfc3339" | "unix";
  /** Largest number of transactions one sinceid reply returns (to exercise paging). */
  sinceIdPageSize: number;
}

export const DEFAULT_SWITCHES: Switches = {
  tickMs: 250,
  heartbeatMs: 1000,
  dropAfterLines: 0,
  disconnectAfterLines: 0,
  stall: false,
  rateLimitCount: 0,
  retryAfterSeconds: 1,
  splitChunks: false,
  garbageEvery: 0,
  marketClosed: false,
  missTransactions: 0,
  requireToken: null,
  timeFormat: "rfc3339",
  sinceIdPageSize: 1000,
};

interface InstrumentSeed {
  instrument: string;
  bid: number;
  spread: number;
  decimals: number;
  step: number;
}

interface LedgerTx {
  id: number;
  time: number;
  type: string;
  instrument: string | null;
  units: number | null;
  price: number | null;
  pl: number | null;
  reason?: string;
  comment?: string;
  /** v20 ORDER_FILL / ORDER_CANCEL: the client order id the order was placed with. */
  clientOrderId?: string;
}

type StreamKind = "v1-prices" | "v1-events" | "v20-prices" | "v20-transactions" | "sse";

interface Conn {
  id: number;
  kind: StreamKind;
  res: http.ServerResponse;
  instruments: Set<string> | null;
  sessionId: string | null;
  lines: number;
  heartbeat: NodeJS.Timeout | null;
  closed: boolean;
  log: LogEntry;
}

export interface LogEntry {
  id: number;
  method: string;
  path: string;
  kind: string;
  time: number;
  status: number;
  closedAt: number | null;
  lines: number;
  endReason: string | null;
}

export interface FakeOanda {
  url: string;
  switches: Switches;
  close(): Promise<void>;
}

const GARBAGE: Buffer[] = [
  Buffer.from("this is not json"),
  Buffer.from('{"tick":{"instrument":"USD_JPY","bid":150.1'),
  Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x7b, 0x22]),
  Buffer.from("[1,2,3]"),
  Buffer.from('{"unknown":{"x":1}}'),
  Buffer.from('{"tick":{"instrument":"USD_JPY","bid":-1,"ask":"x"}}'),
  Buffer.from('{"type":"PRICE","instrument":"EUR_USD","bids":[],"asks":[]}'),
];

export function nanoIso(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "000000Z");
}

export function unixTime(ms: number): string {
  return `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, "0")}000000`;
}

export async function startFakeOanda(overrides: Partial<Switches> = {}, port = 0, host = "127.0.0.1"): Promise<FakeOanda> {
  const sw: Switches = { ...DEFAULT_SWITCHES, ...overrides };
  const seeds = JSON.parse(readFileSync(FIXTURES + "instruments.json", "utf8")) as InstrumentSeed[];
  const mids = new Map(seeds.map((s) => [s.instrument, { ...s }]));
  const ledger: LedgerTx[] = readFileSync(FIXTURES + "transactions.ndjson", "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const t = JSON.parse(l) as Omit<LedgerTx, "time"> & { time: string };
      return { ...t, time: Date.parse(t.time) };
    });
  const accountId = "101-001-1234567-001";
  const log: LogEntry[] = [];
  const conns = new Set<Conn>();
  let connSeq = 0;
  let lineSeq = 0;
  let tickTimer: NodeJS.Timeout | null = null;
  let rnd = 12345;
  const random = (): number => {
    rnd = (rnd * 1103515245 + 12345) % 2147483648;
    return rnd / 2147483648;
  };

  const fmt = (inst: string, v: number): string => v.toFixed(mids.get(inst)?.decimals ?? 5);
  const v20Time = (ms: number): string => (sw.timeFormat === "unix" ? unixTime(ms) : nanoIso(ms));

  function priceLine(kind: StreamKind, p: { instrument: string; bid: number; ask: number; tradeable: boolean; time: number }): string {
    switch (kind) {
      case "v1-prices": {
        const tick: Record<string, unknown> = { instrument: p.instrument, time: nanoIso(p.time).replace("000Z", "Z"), bid: p.bid, ask: p.ask };
        if (!p.tradeable) tick.status = "halted";
        return JSON.stringify({ tick });
      }
      case "v20-prices":
        return JSON.stringify({
          type: "PRICE",
          time: v20Time(p.time),
          bids: [{ price: fmt(p.instrument, p.bid), liquidity: 1000000 }],
          asks: [{ price: fmt(p.instrument, p.ask), liquidity: 1000000 }],
          closeoutBid: fmt(p.instrument, p.bid),
          closeoutAsk: fmt(p.instrument, p.ask),
          status: p.tradeable ? "tradeable" : "non-tradeable",
          tradeable: p.tradeable,
          instrument: p.instrument,
        });
      case "sse":
        return `event: tick\ndata: ${JSON.stringify({ instrument: p.instrument, bid: p.bid, ask: p.ask, time: p.time, tradeable: p.tradeable })}\n`;
      default:
        return "";
    }
  }

  function heartbeatLine(kind: StreamKind, now: number): string {
    switch (kind) {
      case "v1-prices":
      case "v1-events":
        return JSON.stringify({ heartbeat: { time: nanoIso(now).replace("000Z", "Z") } });
      case "v20-prices":
        return JSON.stringify({ type: "HEARTBEAT", time: v20Time(now) });
      case "v20-transactions":
        return JSON.stringify({ type: "HEARTBEAT", lastTransactionID: String(ledger.at(-1)?.id ?? 0), time: v20Time(now) });
      case "sse":
        return `event: heartbeat\ndata: ${JSON.stringify({ time: now })}\n`;
    }
  }

  function v20Tx(t: LedgerTx): Record<string, unknown> {
    const o: Record<string, unknown> = { id: String(t.id), accountID: accountId, userID: 1234567, batchID: String(t.id), time: v20Time(t.time), type: t.type };
    if (t.instrument !== null) o.instrument = t.instrument;
    if (t.units !== null) o.units = String(t.units);
    if (t.price !== null) o.price = t.instrument ? fmt(t.instrument, t.price) : String(t.price);
    if (t.pl !== null) o.pl = t.pl.toFixed(4);
    if (t.reason) o.reason = t.reason;
    if (t.comment) o.clientExtensions = { comment: t.comment };
    if (t.clientOrderId && (t.type === "ORDER_FILL" || t.type === "ORDER_CANCEL")) {
      o.orderID = String(t.id - 1);
      o.clientOrderID = t.clientOrderId;
    }
    return o;
  }

  const V1_TYPES: Record<string, string> = {
    ORDER_FILL: "ORDER_FILLED",
    STOP_LOSS_ORDER: "STOP_LOSS_FILLED",
    TAKE_PROFIT_ORDER: "TAKE_PROFIT_FILLED",
    ORDER_CANCEL: "ORDER_CANCEL",
  };

  function v1Tx(t: LedgerTx): Record<string, unknown> {
    const o: Record<string, unknown> = { id: t.id, accountId: 12345, time: nanoIso(t.time).replace("000Z", "Z"), type: V1_TYPES[t.type] ?? t.type };
    if (t.instrument !== null) o.instrument = t.instrument;
    if (t.units !== null) {
      o.units = Math.abs(t.units);
      o.side = t.units >= 0 ? "buy" : "sell";
    }
    if (t.price !== null) o.price = t.price;
    if (t.pl !== null) o.pl = t.pl;
    if (t.comment) o.comment = t.comment;
    return o;
  }

  function txLine(kind: StreamKind, t: LedgerTx): string {
    if (kind === "v1-events") return JSON.stringify({ transaction: v1Tx(t) });
    if (kind === "v20-transactions") return JSON.stringify(v20Tx(t));
    if (kind === "sse") return `event: transaction\ndata: ${JSON.stringify(v20Tx(t))}\n`;
    return "";
  }

  /** Writes one line (an SSE event ends with an extra blank line), applying the switches. */
  function writeLine(c: Conn, line: string, opts: { force?: boolean } = {}): void {
    if (c.closed || (sw.stall && !opts.force)) return;
    lineSeq++;
    if (sw.garbageEvery > 0 && lineSeq % sw.garbageEvery === 0) {
      const g = GARBAGE[Math.floor(random() * GARBAGE.length)]!;
      rawWrite(c, Buffer.concat([g, Buffer.from(c.kind === "sse" ? "\n\n" : "\n")]));
    }
    rawWrite(c, Buffer.from(line + "\n", "utf8"));
    c.lines++;
    c.log.lines = c.lines;
    if (sw.disconnectAfterLines > 0 && c.lines >= sw.disconnectAfterLines) {
      sendDisconnect(c, 60, "Access Token connection limit exceeded: This connection will now be disconnected");
    } else if (sw.dropAfterLines > 0 && c.lines >= sw.dropAfterLines) {
      endConn(c, "dropped", true);
    }
  }

  function rawWrite(c: Conn, buf: Buffer): void {
    if (c.closed) return;
    if (!sw.splitChunks || buf.length < 2) {
      c.res.write(buf);
      return;
    }
    // Cut inside the first multi-byte character when there is one, and at random places.
    const cuts = new Set<number>();
    const mb = buf.findIndex((b) => b >= 0xc0);
    if (mb >= 0 && mb + 1 < buf.length) cuts.add(mb + 1);
    const n = 1 + Math.floor(random() * 3);
    for (let i = 0; i < n; i++) cuts.add(1 + Math.floor(random() * (buf.length - 1)));
    let start = 0;
    for (const cut of [...cuts].sort((a, b) => a - b)) {
      c.res.write(buf.subarray(start, cut));
      start = cut;
    }
    c.res.write(buf.subarray(start));
  }

  function sendDisconnect(c: Conn, code: number, message: string): void {
    const body = { code, message, moreInfo: "http://developer.oanda.com/docs/v1/troubleshooting" };
    const line = c.kind === "sse" ? `event: disconnect\ndata: ${JSON.stringify(body)}\n` : JSON.stringify({ disconnect: body });
    if (!c.closed) c.res.write(line + "\n");
    endConn(c, `disconnect ${code}`, false);
  }

  function endConn(c: Conn, reason: string, abrupt: boolean): void {
    if (c.closed) return;
    c.closed = true;
    c.log.endReason = reason;
    c.log.closedAt = Date.now();
    if (c.heartbeat) clearInterval(c.heartbeat);
    conns.delete(c);
    if (abrupt) c.res.socket?.destroy();
    else c.res.end();
  }

  function broadcastPrice(instrument: string, bid: number, ask: number, tradeable = true): void {
    const now = Date.now();
    for (const c of conns) {
      if (c.kind !== "v1-prices" && c.kind !== "v20-prices" && c.kind !== "sse") continue;
      if (c.instruments && !c.instruments.has(instrument)) continue;
      writeLine(c, priceLine(c.kind, { instrument, bid, ask, tradeable, time: now }));
    }
  }

  function generateTick(): void {
    if (sw.marketClosed || seeds.length === 0) return;
    const s = seeds[Math.floor(random() * seeds.length)]!;
    const m = mids.get(s.instrument)!;
    m.bid = Number((m.bid + (Math.floor(random() * 5) - 2) * m.step).toFixed(m.decimals));
    if (m.bid <= 0) m.bid = s.step;
    broadcastPrice(s.instrument, m.bid, Number((m.bid + m.spread).toFixed(m.decimals)));
  }

  function restartTicker(): void {
    if (tickTimer) clearInterval(tickTimer);
    tickTimer = sw.tickMs > 0 ? setInterval(generateTick, sw.tickMs) : null;
  }

  function restartHeartbeats(): void {
    for (const c of conns) startHeartbeat(c);
  }

  function startHeartbeat(c: Conn): void {
    if (c.heartbeat) clearInterval(c.heartbeat);
    c.heartbeat = sw.heartbeatMs > 0 ? setInterval(() => writeLine(c, heartbeatLine(c.kind, Date.now())), sw.heartbeatMs) : null;
  }

  let missLeft = sw.missTransactions;

  function addTransaction(input: Partial<LedgerTx>): LedgerTx {
    const id = (ledger.at(-1)?.id ?? 1000) + 1;
    const t: LedgerTx = {
      id,
      time: Date.now(),
      type: input.type ?? "ORDER_FILL",
      instrument: input.instrument ?? "USD_JPY",
      units: input.units ?? 1000,
      price: input.price ?? mids.get(input.instrument ?? "USD_JPY")?.bid ?? 1,
      pl: input.pl ?? 0,
      reason: input.reason ?? "MARKET_ORDER",
      ...(input.comment ? { comment: input.comment } : {}),
      ...(input.clientOrderId ? { clientOrderId: input.clientOrderId } : {}),
    };
    ledger.push(t);
    if (missLeft > 0) {
      missLeft--;
      return t;
    }
    for (const c of conns) {
      if (c.kind === "v1-events" || c.kind === "v20-transactions") writeLine(c, txLine(c.kind, t));
    }
    return t;
  }

  function openStream(req: http.IncomingMessage, res: http.ServerResponse, kind: StreamKind, entry: LogEntry, url: URL): void {
    const instrumentsParam = url.searchParams.get("instruments") ?? url.searchParams.get("symbols");
    const instruments = instrumentsParam ? new Set(instrumentsParam.split(",").filter(Boolean)) : null;
    const sessionId = url.searchParams.get("sessionId");
    res.writeHead(200, {
      "content-type": kind === "sse" ? "text/event-stream" : "application/octet-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    res.flushHeaders();
    const c: Conn = { id: entry.id, kind, res, instruments, sessionId, lines: 0, heartbeat: null, closed: false, log: entry };
    // v1: a new connection with the same session replaces the old one, which is told so.
    if (sessionId) {
      for (const other of conns) {
        if (other.sessionId === sessionId && other.kind === kind) sendDisconnect(other, 64, "Connection replaced by a newer connection with the same session");
      }
    }
    conns.add(c);
    res.on("close", () => {
      if (!c.closed) endConn(c, "client closed", false);
    });
    const bench = Number(url.searchParams.get("_bench") ?? 0);
    if (bench > 0 && kind === "v1-prices") {
      void streamBench(c, bench);
      return;
    }
    startHeartbeat(c);
    if (kind === "v1-prices" || kind === "v20-prices" || (kind === "sse" && instruments)) {
      // The first data is a snapshot of every subscribed instrument.
      const now = Date.now();
      for (const s of mids.values()) {
        if (instruments && !instruments.has(s.instrument)) continue;
        const ask = Number((s.bid + s.spread).toFixed(s.decimals));
        writeLine(c, priceLine(kind, { instrument: s.instrument, bid: s.bid, ask, tradeable: !sw.marketClosed, time: now }));
      }
    }
    void req;
  }

  /**
   * High-throughput mode: N v1 ticks as fast as the client reads them, then end. The lines cycle
   * through a short fixed set, so they are rendered once into a ~64 KB block that is written
   * again and again: the load generator must outrun the client it measures.
   */
  async function streamBench(c: Conn, n: number): Promise<void> {
    const names = seeds.map((s) => s.instrument);
    const time = nanoIso(Date.now()).replace("000Z", "Z");
    const lineAt = (i: number): string => {
      const s = mids.get(names[i % names.length]!)!;
      const bid = Number((s.bid + ((i % 7) - 3) * s.step).toFixed(s.decimals));
      return `{"tick":{"instrument":"${s.instrument}","time":"${time}","bid":${bid},"ask":${Number((bid + s.spread).toFixed(s.decimals))}}}\n`;
    };
    const cycle = names.length * 7; // line i and line i + cycle are the same
    const cycleText = Array.from({ length: cycle }, (_, i) => lineAt(i)).join("");
    const perBlock = Math.max(1, Math.floor(65536 / Buffer.byteLength(cycleText)));
    const block = Buffer.from(cycleText.repeat(perBlock), "utf8");
    const linesPerBlock = cycle * perBlock;
    let sent = 0;
    while (sent < n && !c.closed) {
      let ok: boolean;
      if (n - sent >= linesPerBlock) {
        ok = c.res.write(block);
        sent += linesPerBlock;
      } else {
        const rest: string[] = [];
        for (; sent < n; sent++) rest.push(lineAt(sent));
        ok = c.res.write(rest.join(""));
      }
      if (!ok) await new Promise<void>((r) => c.res.once("drain", () => r()));
    }
    c.lines = n;
    c.log.lines = n;
    endConn(c, "bench done", false);
  }

  function sinceId(res: http.ServerResponse, url: URL): void {
    const id = Number(url.searchParams.get("id"));
    if (!Number.isSafeInteger(id)) return json(res, 400, { errorMessage: "Invalid value specified for 'id'" });
    const list = ledger.filter((t) => t.id > id).slice(0, sw.sinceIdPageSize).map(v20Tx);
    json(res, 200, { transactions: list, lastTransactionID: String(ledger.at(-1)?.id ?? 0) });
  }

  function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  async function readBody(req: http.IncomingMessage): Promise<string> {
    const parts: Buffer[] = [];
    for await (const chunk of req) parts.push(chunk as Buffer);
    return Buffer.concat(parts).toString("utf8");
  }

  async function control(body: Record<string, unknown>): Promise<unknown> {
    const result: Record<string, unknown> = {};
    for (const key of Object.keys(DEFAULT_SWITCHES) as (keyof Switches)[]) {
      if (key in body) (sw as unknown as Record<string, unknown>)[key] = body[key];
    }
    if ("missTransactions" in body) missLeft = sw.missTransactions;
    if ("tickMs" in body) restartTicker();
    if ("heartbeatMs" in body) restartHeartbeats();
    if (body.emitTick && typeof body.emitTick === "object") {
      const t = body.emitTick as { instrument: string; bid: number; ask: number; tradeable?: boolean };
      const m = mids.get(t.instrument);
      if (m) m.bid = t.bid;
      broadcastPrice(t.instrument, t.bid, t.ask, t.tradeable ?? true);
      result.emitted = true;
    }
    if (body.emitTransaction && typeof body.emitTransaction === "object") {
      const list = Array.isArray(body.emitTransaction) ? body.emitTransaction : [body.emitTransaction];
      result.transactionIds = list.map((t) => String(addTransaction(t as Partial<LedgerTx>).id));
    }
    if (body.sendDisconnect) {
      const code = Number((body.sendDisconnect as { code?: number }).code ?? 60);
      for (const c of [...conns]) sendDisconnect(c, code, code === 64 ? "Connection replaced" : "Access Token connection limit exceeded");
    }
    if (typeof body.sendRunawayLine === "number") {
      for (const c of conns) {
        if (c.closed) continue;
        rawWrite(c, Buffer.from('{"tick":{"instrument":"USD_JPY","pad":"' + "x".repeat(body.sendRunawayLine) + '"}}\n'));
      }
    }
    if (body.dropAll) for (const c of [...conns]) endConn(c, "dropped", true);
    return { ok: true, switches: sw, lastTransactionID: String(ledger.at(-1)?.id ?? 0), open: conns.size, ...result };
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname;
    if (path === "/_log") return json(res, 200, log);
    if (path === "/_state") return json(res, 200, { switches: sw, open: conns.size, lastTransactionID: String(ledger.at(-1)?.id ?? 0) });
    if (path === "/_control" && req.method === "POST") {
      readBody(req)
        .then(async (text) => json(res, 200, await control(text ? (JSON.parse(text) as Record<string, unknown>) : {})))
        .catch((err: unknown) => json(res, 400, { error: String(err) }));
      return;
    }
    let kind: StreamKind | "sinceid" | null = null;
    if (path === "/v1/prices") kind = "v1-prices";
    else if (path === "/v1/events") kind = "v1-events";
    else if (/^\/v3\/accounts\/[^/]+\/pricing\/stream$/.test(path)) kind = "v20-prices";
    else if (/^\/v3\/accounts\/[^/]+\/transactions\/stream$/.test(path)) kind = "v20-transactions";
    else if (/^\/v3\/accounts\/[^/]+\/transactions\/sinceid$/.test(path)) kind = "sinceid";
    else if (path === "/stream") kind = "sse";
    const entry: LogEntry = {
      id: ++connSeq,
      method: req.method ?? "GET",
      path: url.pathname + url.search,
      kind: kind ?? "unknown",
      time: Date.now(),
      status: 0,
      closedAt: null,
      lines: 0,
      endReason: null,
    };
    log.push(entry);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      entry.status = status;
      entry.closedAt = Date.now();
      json(res, status, body, headers);
    };
    if (kind === null || req.method !== "GET") return reply(404, { errorMessage: "not found" });
    if (sw.requireToken !== null && req.headers.authorization !== `Bearer ${sw.requireToken}`) {
      return reply(401, { errorMessage: "Insufficient authorization to perform request." });
    }
    if (kind === "sinceid") {
      entry.status = 200;
      entry.closedAt = Date.now();
      return sinceId(res, url);
    }
    if (sw.rateLimitCount > 0) {
      sw.rateLimitCount--;
      return reply(429, { errorMessage: "Too many requests" }, { "retry-after": String(sw.retryAfterSeconds) });
    }
    entry.status = 200;
    openStream(req, res, kind, entry, url);
  });

  restartTicker();
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${host}:${addr.port}`,
    switches: sw,
    close: async () => {
      if (tickTimer) clearInterval(tickTimer);
      for (const c of [...conns]) endConn(c, "server closing", true);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
