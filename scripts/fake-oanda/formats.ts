/**
 * The lines the fake writes, per stream kind: OANDA v1 (seed 003), OANDA v20 pricing and transaction
 * streams (and their REST transaction objects), and a generic SSE source.
 */

export type StreamKind = "v1-prices" | "v1-events" | "v20-prices" | "v20-transactions" | "sse";

export interface LedgerTx {
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
  /** v20 MARGIN_CALL_EXTEND: how many extensions the current margin call has had. */
  extensionNumber?: number;
  /** v1 events carry the balance after the event. */
  accountBalance?: number;
}

export interface PricePoint {
  instrument: string;
  bid: number;
  ask: number;
  tradeable: boolean;
  time: number;
}

export function nanoIso(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "000000Z");
}

export function unixTime(ms: number): string {
  return `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, "0")}000000`;
}

const microIso = (ms: number): string => nanoIso(ms).replace("000Z", "Z");

/** v20 fills whose v1 name differs (seed 003 lists the v1 names). */
const V1_TYPES: Record<string, string> = {
  ORDER_FILL: "ORDER_FILLED",
  STOP_LOSS_ORDER: "STOP_LOSS_FILLED",
  TAKE_PROFIT_ORDER: "TAKE_PROFIT_FILLED",
  ORDER_CANCEL: "ORDER_CANCEL",
};

export interface FormatOptions {
  accountId: string;
  decimals(instrument: string): number;
  timeFormat(): "rfc3339" | "unix";
}

export function makeFormats(o: FormatOptions) {
  const fmt = (inst: string, v: number): string => v.toFixed(o.decimals(inst));
  const v20Time = (ms: number): string => (o.timeFormat() === "unix" ? unixTime(ms) : nanoIso(ms));

  function priceLine(kind: StreamKind, p: PricePoint): string {
    switch (kind) {
      case "v1-prices": {
        const tick: Record<string, unknown> = { instrument: p.instrument, time: microIso(p.time), bid: p.bid, ask: p.ask };
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

  function heartbeatLine(kind: StreamKind, now: number, lastTransactionId: number): string {
    switch (kind) {
      case "v1-prices":
      case "v1-events":
        return JSON.stringify({ heartbeat: { time: microIso(now) } });
      case "v20-prices":
        return JSON.stringify({ type: "HEARTBEAT", time: v20Time(now) });
      case "v20-transactions":
        return JSON.stringify({ type: "HEARTBEAT", lastTransactionID: String(lastTransactionId), time: v20Time(now) });
      case "sse":
        return `event: heartbeat\ndata: ${JSON.stringify({ time: now })}\n`;
    }
  }

  /** A v20 transaction as the REST endpoints and the transaction stream return it. */
  function v20Tx(t: LedgerTx): Record<string, unknown> {
    const out: Record<string, unknown> = { id: String(t.id), accountID: o.accountId, userID: 1234567, batchID: String(t.id), time: v20Time(t.time), type: t.type };
    if (t.instrument !== null) out.instrument = t.instrument;
    if (t.units !== null) out.units = String(t.units);
    if (t.price !== null) out.price = t.instrument ? fmt(t.instrument, t.price) : String(t.price);
    if (t.pl !== null) out.pl = t.pl.toFixed(4);
    if (t.reason) out.reason = t.reason;
    if (t.comment) out.clientExtensions = { comment: t.comment };
    if (t.extensionNumber !== undefined) out.extensionNumber = t.extensionNumber;
    if (t.clientOrderId && (t.type === "ORDER_FILL" || t.type === "ORDER_CANCEL")) {
      out.orderID = String(t.id - 1);
      out.clientOrderID = t.clientOrderId;
    }
    return out;
  }

  function v1Tx(t: LedgerTx): Record<string, unknown> {
    const out: Record<string, unknown> = { id: t.id, accountId: 12345, time: microIso(t.time), type: V1_TYPES[t.type] ?? t.type };
    if (t.instrument !== null) out.instrument = t.instrument;
    if (t.units !== null) {
      out.units = Math.abs(t.units);
      out.side = t.units >= 0 ? "buy" : "sell";
    }
    if (t.price !== null) out.price = t.price;
    if (t.pl !== null) out.pl = t.pl;
    if (t.accountBalance !== undefined) out.accountBalance = t.accountBalance;
    if (t.comment) out.comment = t.comment;
    return out;
  }

  function txLine(kind: StreamKind, t: LedgerTx): string {
    if (kind === "v1-events") return JSON.stringify({ transaction: v1Tx(t) });
    if (kind === "v20-transactions") return JSON.stringify(v20Tx(t));
    if (kind === "sse") return `event: transaction\ndata: ${JSON.stringify(v20Tx(t))}\n`;
    return "";
  }

  function disconnectLine(kind: StreamKind, code: number, message: string): string {
    const body = { code, message, moreInfo: "http://developer.oanda.com/docs/v1/troubleshooting" };
    return kind === "sse" ? `event: disconnect\ndata: ${JSON.stringify(body)}\n` : JSON.stringify({ disconnect: body });
  }

  return { priceLine, heartbeatLine, v20Tx, txLine, disconnectLine };
}
