/** `tradectl orders`: order history with filters and paging; times in JST, the zone of the day in the order id. */
import { makeContext, type GlobalOptions } from "../context.js";
import { jstTime, printJson, printTable } from "../output.js";

interface Opts extends GlobalOptions {
  from?: string;
  to?: string;
  ticker?: string;
  status?: string;
  limit?: number;
  offset?: number;
}

export async function run(_args: string[], opts: Opts): Promise<void> {
  const ctx = makeContext(opts);
  const data = await ctx.client.get<{ orders: Array<Record<string, unknown>>; total: number; limit: number; offset: number }>("/orders", {
    from: opts.from,
    to: opts.to,
    ticker: opts.ticker,
    status: opts.status,
    limit: opts.limit,
    offset: opts.offset,
  });
  if (ctx.json) return printJson(data);
  const rows = data.orders.map((o) => ({
    ...o,
    created: jstTime(o.created_at as string),
    type: o.kind && o.kind !== "trade" ? o.kind : o.order_type,
    price: o.limit_price,
    expires: o.status === "working" ? (o.order_expires_at ? jstTime(o.order_expires_at as string) : "GTC") : null,
    error: o.error_code,
  }));
  printTable(rows, ["order_id", "created", "ticker", "action", "type", "quantity", "price", "status", "expires", "fill_price", "error"], { created: "CREATED (JST)", expires: "EXPIRES (JST)" });
  process.stdout.write(`${data.offset + data.orders.length} of ${data.total}\n`);
}
