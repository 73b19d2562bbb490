/**
 * OANDA v1 streaming (seed 003): rates `{"tick":{instrument,time,bid,ask}}` (or the unwrapped
 * tick of fxTrade/fxPractice), `{"heartbeat":{time}}`, `{"disconnect":{code,message,moreInfo}}`;
 * events `{"transaction":{id,accountId,time,type,instrument,units,side,price,pl,…}}`.
 */
import type { BrokerTransaction } from "../../engine/feed.js";
import { parseFeedTime } from "../time.js";
import { isRecord, toNumber, toStringOrNull } from "../../domain/values.js";
import { checkPrice, type FeedMessage, type PriceMessage } from "./message.js";

/** A backslash escape or a raw control character (not valid inside a JSON string): left to JSON.parse. */
const ESCAPED_OR_CONTROL = /[\\\u0000-\u001f]/;

export function parseOandaV1(value: unknown): FeedMessage {
  if (!isRecord(value)) return { type: "unknown", reason: "not an object" };
  if (isRecord(value.tick)) return parseTick(value.tick);
  if (isRecord(value.heartbeat)) return { type: "heartbeat", time: parseFeedTime(value.heartbeat.time) };
  if (isRecord(value.transaction)) return parseV1Transaction(value.transaction);
  if (isRecord(value.disconnect)) {
    const d = value.disconnect;
    return { type: "disconnect", code: toNumber(d.code), message: typeof d.message === "string" ? d.message : "" };
  }
  if (typeof value.instrument === "string" && "bid" in value) return parseTick(value);
  return { type: "unknown", reason: "unknown v1 message" };
}

function parseTick(t: Record<string, unknown>): FeedMessage {
  if (typeof t.instrument !== "string" || t.instrument === "") return { type: "unknown", reason: "tick without instrument" };
  const bid = toNumber(t.bid);
  const ask = toNumber(t.ask);
  const bad = checkPrice(bid, ask);
  if (bad !== null || bid === null || ask === null) return { type: "unknown", reason: `tick ${t.instrument}: ${bad}` };
  // v1 REST marks a halted instrument with status "halted"; the stream may carry it too.
  const tradeable = t.status !== "halted" && t.tradeable !== false;
  return { type: "price", instrument: t.instrument, bid, ask, time: parseFeedTime(t.time), tradeable };
}

export function parseV1Transaction(t: Record<string, unknown>): FeedMessage {
  const seq = toNumber(t.id);
  if (seq === null || !Number.isSafeInteger(seq)) return { type: "unknown", reason: "transaction without integer id" };
  const side = t.side === "buy" || t.side === "sell" ? t.side : null;
  const tx: BrokerTransaction = {
    id: String(seq),
    seq,
    account_id: toStringOrNull(t.accountId) ?? "",
    time: parseFeedTime(t.time) ?? 0,
    type: typeof t.type === "string" ? t.type : "UNKNOWN",
    instrument: typeof t.instrument === "string" ? t.instrument : null,
    units: toNumber(t.units),
    side,
    price: toNumber(t.price),
    pl: toNumber(t.pl),
    raw: t,
  };
  return { type: "transaction", tx };
}

const WRAPPED = '{"tick":{"instrument":"';
const BARE = '{"instrument":"';
const MAX_NAMES = 32;
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * Fast path for the line that dominates a v1 rates stream, `{"tick":{"instrument":"…","time":"…",
 * "bid":N,"ask":N}}` (or the unwrapped tick), read straight from the text without JSON.parse and
 * without allocating: instrument names and the last time string are reused, and so is the returned
 * message (valid until the next scan; copy what must outlive it). Anything else — other keys or
 * order, whitespace, escapes, exponents, more than 15 digits, an unusable price — returns null, and
 * the caller takes the JSON.parse + parseOandaV1 path.
 */
export class V1TickScanner {
  private readonly names: string[] = [];
  private readonly moreNames = new Map<string, string>();
  private timeText = "";
  private timeMs: number | null = null;
  /** Where the last readNumber stopped. */
  private end = 0;
  private readonly msg: PriceMessage = { type: "price", instrument: "", bid: 0, ask: 0, time: null, tradeable: true };

  /** Scans line[start, end) (the whole string by default). */
  scan(line: string, start = 0, end = line.length): PriceMessage | null {
    let i: number;
    let closing: number;
    if (line.startsWith(WRAPPED, start)) {
      i = start + WRAPPED.length;
      closing = 2;
    } else if (line.startsWith(BARE, start)) {
      i = start + BARE.length;
      closing = 1;
    } else return null;
    const q = line.indexOf('"', i);
    if (q <= i || q >= end) return null;
    const instrument = this.name(line, i, q);
    if (instrument === null || !line.startsWith('","time":"', q)) return null;
    i = q + 10;
    const tq = line.indexOf('"', i);
    if (tq === -1 || tq >= end) return null;
    const time = this.time(line, i, tq);
    if (time === null || !line.startsWith('","bid":', tq)) return null;
    const bid = this.readNumber(line, tq + 8);
    if (bid !== bid || !line.startsWith(',"ask":', this.end)) return null; // NaN: not a plain number
    const ask = this.readNumber(line, this.end + 7);
    i = this.end;
    if (ask !== ask || end !== i + closing) return null;
    for (let k = i; k < end; k++) if (line.charCodeAt(k) !== 125) return null;
    if (checkPrice(bid, ask) !== null) return null;
    const m = this.msg;
    m.instrument = instrument;
    m.bid = bid;
    m.ask = ask;
    m.time = time;
    return m;
  }

  /** The instrument name at line[from, to), as a string of its own (a slice would keep the whole chunk alive). */
  private name(line: string, from: number, to: number): string | null {
    const len = to - from;
    for (const n of this.names) if (n.length === len && line.startsWith(n, from)) return n;
    const text = line.slice(from, to);
    if (ESCAPED_OR_CONTROL.test(text)) return null; // the slow path (JSON.parse) judges it
    const known = this.moreNames.get(text);
    if (known !== undefined) return known;
    const own = JSON.parse(`"${text}"`) as string;
    if (this.names.length < MAX_NAMES) this.names.push(own);
    else if (this.moreNames.size < 10_000) this.moreNames.set(own, own);
    return own;
  }

  private time(line: string, from: number, to: number): number | null {
    if (to - from === this.timeText.length && line.startsWith(this.timeText, from)) return this.timeMs;
    const text = line.slice(from, to);
    const ms = ESCAPED_OR_CONTROL.test(text) ? null : parseFeedTime(text);
    if (ms !== null) {
      this.timeText = JSON.parse(`"${text}"`) as string;
      this.timeMs = ms;
    }
    return ms;
  }

  /** A JSON number without exponent and with at most 15 digits, exactly as JSON.parse reads it; NaN otherwise. */
  private readNumber(s: string, at: number): number {
    let i = at;
    const neg = s.charCodeAt(i) === 45;
    if (neg) i++;
    let m = 0;
    let digits = 0;
    let c = s.charCodeAt(i);
    if (c === 48) {
      i++;
      digits = 1;
    } else {
      while (c >= 48 && c <= 57) {
        m = m * 10 + (c - 48);
        digits++;
        c = s.charCodeAt(++i);
      }
      if (digits === 0) return NaN;
    }
    let frac = 0;
    if (s.charCodeAt(i) === 46) {
      c = s.charCodeAt(++i);
      while (c >= 48 && c <= 57) {
        m = m * 10 + (c - 48);
        frac++;
        c = s.charCodeAt(++i);
      }
      if (frac === 0) return NaN;
    }
    c = s.charCodeAt(i);
    if (c === 101 || c === 69 || (c >= 48 && c <= 57) || digits + frac > 15) return NaN;
    this.end = i;
    // m < 2^53 and 10^frac are exact doubles, so one division is correctly rounded: the same value JSON.parse gives.
    const v = frac === 0 ? m : m / POW10[frac]!;
    return neg ? -v : v;
  }
}
