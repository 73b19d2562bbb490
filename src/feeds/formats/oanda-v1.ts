/**
 * OANDA v1 streaming (seed 003): rates `{"tick":{instrument,time,bid,ask}}` (or the unwrapped
 * tick of fxTrade/fxPractice), `{"heartbeat":{time}}`, `{"disconnect":{code,message,moreInfo}}`;
 * events `{"transaction":{id,accountId,time,type,instrument,units,side,price,pl,…}}`.
 */
import type { BrokerTransaction } from "../../engine/feed.js";
import { parseFeedTime } from "../time.js";
import { checkPrice, isRecord, toNumber, toStringOrNull, type FeedMessage } from "./message.js";

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
