/** `tradectl orders`: order history with filters and paging. */
import { MAX_ORDERS_LIMIT, MAX_ORDERS_OFFSET } from "../../domain/query-limits.js";
import { makeContext, type GlobalOptions } from "../context.js";
import { intOption } from "../int-option.js";
import { printJson, printTable } from "../output.js";

interface Opts extends GlobalOptions {
  from?: string;
  to?: string;
  ticker?: string;
  status?: string;
  limit?: string;
  offset?: string;
}

export async function run(_args: string[], opts: Opts): Promise<void> {
  const limit = intOption("--limit", opts.limit, 1, MAX_ORDERS_LIMIT);
  const offset = intOption("--offset", opts.offset, 0, MAX_ORDERS_OFFSET);
  const ctx = makeContext(opts);
  const data = await ctx.client.get<{ orders: Array<Record<string, unknown>>; total: number; limit: number; offset: number }>("/orders", {
    from: opts.from,
    to: opts.to,
    ticker: opts.ticker,
    status: opts.status,
    limit,
    offset,
  });
  if (ctx.json) return printJson(data);
  const rows = data.orders.map((o) => ({ ...o, created: o.created_at, error: o.error_code }));
  printTable(rows, ["order_id", "created", "ticker", "action", "quantity", "status", "fill_price", "error"]);
  process.stdout.write(`${data.offset + data.orders.length} of ${data.total}\n`);
}
