/** `tradectl keys create|list|revoke`: API keys for the public read routes. The key is shown once. */
import { TradectlError } from "../../domain/errors.js";
import { makeContext, type GlobalOptions } from "../context.js";
import { printJson, printTable } from "../output.js";

export async function run(args: string[], opts: GlobalOptions & { name?: string; expiresDays?: number }): Promise<void> {
  const ctx = makeContext(opts);
  const [action, id] = args;
  if (action === "create") {
    const days = opts.expiresDays;
    const data = await ctx.client.post<{ id: string; key: string; name: string; expires_at: string | null }>("/keys", { name: opts.name ?? "default", ...(days ? { expires_days: days } : {}) });
    if (ctx.json) return printJson(data);
    process.stdout.write(`created ${data.id} (${data.name}), expires ${data.expires_at ?? "never"}\n${data.key}\nThis key is shown once; store it now. Use it as: Authorization: Bearer <key>\n`);
    return;
  }
  if (action === "list") {
    const data = await ctx.client.get<Array<Record<string, unknown>>>("/keys");
    if (ctx.json) return printJson(data);
    return printTable(data, ["id", "name", "created_at", "expires_at", "last_used_at", "revoked_at"]);
  }
  if (action === "revoke") {
    if (!id) throw new TradectlError("USAGE", "keys revoke needs the key id (see `tradectl keys list`)");
    const data = await ctx.client.delete<Record<string, unknown>>(`/keys/${encodeURIComponent(id)}`);
    if (ctx.json) return printJson(data);
    process.stdout.write(`revoked ${id}\n`);
    return;
  }
  throw new TradectlError("USAGE", `unknown keys action "${action}": use create, list or revoke`);
}
