/**
 * Generic Server-Sent Events feed (e.g. the MT5 bridge's `GET /stream`): event `tick` with JSON
 * data `{instrument,bid,ask,time[,tradeable]}`, event `heartbeat`, optionally `transaction`
 * (a v20-shaped transaction) and `disconnect`.
 */
import { parseFeedTime } from "../time.js";
import { isRecord, toNumber } from "../../domain/values.js";
import { checkPrice, type FeedMessage } from "./message.js";
import { parseV20Transaction } from "./oanda-v20.js";

export interface SseEvent {
  event?: string | undefined;
  data: string;
}

export function parseSseEvent(ev: SseEvent): FeedMessage {
  const name = ev.event ?? "message";
  let data: unknown = null;
  if (ev.data.trim() !== "") {
    try {
      data = JSON.parse(ev.data);
    } catch {
      if (name !== "heartbeat") return { type: "unknown", reason: `event ${name}: data is not JSON` };
    }
  }
  switch (name) {
    case "heartbeat":
      return { type: "heartbeat", time: isRecord(data) ? parseFeedTime(data.time) : null };
    case "tick":
    case "price": {
      if (!isRecord(data) || typeof data.instrument !== "string" || data.instrument === "") {
        return { type: "unknown", reason: "tick without instrument" };
      }
      const bid = toNumber(data.bid);
      const ask = toNumber(data.ask);
      const bad = checkPrice(bid, ask);
      if (bad !== null || bid === null || ask === null) return { type: "unknown", reason: `tick ${data.instrument}: ${bad}` };
      return { type: "price", instrument: data.instrument, bid, ask, time: parseFeedTime(data.time), tradeable: data.tradeable !== false };
    }
    case "transaction":
      return isRecord(data) ? parseV20Transaction(data) : { type: "unknown", reason: "transaction is not an object" };
    case "disconnect":
      return {
        type: "disconnect",
        code: isRecord(data) ? toNumber(data.code) : null,
        message: isRecord(data) && typeof data.message === "string" ? data.message : "",
      };
    default:
      return { type: "unknown", reason: `unknown event ${name}` };
  }
}
