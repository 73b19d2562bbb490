/**
 * OANDA v20 streams. Pricing: `{"type":"PRICE",instrument,time,bids:[{price,liquidity}],asks,
 * closeoutBid,closeoutAsk,tradeable}` (prices are strings) and `{"type":"HEARTBEAT",time}`.
 * Transactions: typed transactions (`{"type":"ORDER_FILL","id":"1234",…}`) and
 * `{"type":"HEARTBEAT","lastTransactionID":"1234",time}`. Times are RFC 3339 or UNIX strings.
 */
import type { BrokerTransaction } from "../../engine/feed.js";
import { parseFeedTime } from "../time.js";
import { isRecord, toNumber, toStringOrNull } from "../../domain/values.js";
import { checkPrice, type FeedMessage } from "./message.js";

export function parseOandaV20(value: unknown): FeedMessage {
  if (!isRecord(value)) return { type: "unknown", reason: "not an object" };
  const type = value.type;
  if (type === "HEARTBEAT") {
    const last = toStringOrNull(value.lastTransactionID);
    const msg: FeedMessage = { type: "heartbeat", time: parseFeedTime(value.time) };
    if (last !== null) msg.lastTransactionId = last;
    return msg;
  }
  if (type === "PRICE") return parsePrice(value);
  if (typeof type === "string" && "id" in value) return parseV20Transaction(value);
  return { type: "unknown", reason: "unknown v20 message" };
}

function bestPrice(levels: unknown): number | null {
  if (!Array.isArray(levels) || levels.length === 0) return null;
  const first: unknown = levels[0];
  return isRecord(first) ? toNumber(first.price) : null;
}

function parsePrice(p: Record<string, unknown>): FeedMessage {
  if (typeof p.instrument !== "string" || p.instrument === "") return { type: "unknown", reason: "price without instrument" };
  const bid = bestPrice(p.bids) ?? toNumber(p.closeoutBid) ?? toNumber(p.bid);
  const ask = bestPrice(p.asks) ?? toNumber(p.closeoutAsk) ?? toNumber(p.ask);
  const bad = checkPrice(bid, ask);
  if (bad !== null || bid === null || ask === null) return { type: "unknown", reason: `price ${p.instrument}: ${bad}` };
  const tradeable = p.tradeable !== false && p.status !== "non-tradeable";
  return { type: "price", instrument: p.instrument, bid, ask, time: parseFeedTime(p.time), tradeable };
}

export function parseV20Transaction(t: Record<string, unknown>): FeedMessage {
  const id = toStringOrNull(t.id);
  const seq = id === null ? null : Number(id);
  if (id === null || seq === null || !Number.isSafeInteger(seq)) return { type: "unknown", reason: "transaction without integer id" };
  const units = toNumber(t.units);
  const tx: BrokerTransaction = {
    id: String(seq),
    seq,
    account_id: toStringOrNull(t.accountID) ?? "",
    time: parseFeedTime(t.time) ?? 0,
    type: typeof t.type === "string" ? t.type : "UNKNOWN",
    instrument: typeof t.instrument === "string" ? t.instrument : null,
    units: units === null ? null : Math.abs(units),
    side: units === null || units === 0 ? null : units > 0 ? "buy" : "sell",
    price: toNumber(t.price),
    pl: toNumber(t.pl),
    raw: t,
  };
  return { type: "transaction", tx };
}
