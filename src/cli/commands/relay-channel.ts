/** `tradectl relay channel create|list|show|delete`: the channels this daemon publishes on. */
import { TradectlError } from "../../domain/errors.js";
import { makeContext, type GlobalOptions } from "../context.js";
import { printJson, printTable } from "../output.js";

interface Channel {
  id: string;
  name: string;
  from_webhook: boolean;
  inbound_url: string;
  receivers: number;
  created_at: string;
}

export async function run(args: string[], opts: GlobalOptions & { fromWebhook?: boolean }): Promise<void> {
  const ctx = makeContext(opts);
  const [action, name] = args;
  const need = () => {
    if (!name) throw new TradectlError("USAGE", `relay channel ${action} needs the channel's name or id`);
    return encodeURIComponent(name);
  };
  switch (action) {
    case "create": {
      if (!name) throw new TradectlError("USAGE", "relay channel create needs a NAME");
      const c = await ctx.client.post<Channel & { passphrase: string }>("/relay/channels", { name, from_webhook: opts.fromWebhook === true });
      if (ctx.json) return printJson(c);
      process.stdout.write(
        `created channel ${c.name} (${c.id})${c.from_webhook ? ", publishing every signal the webhook accepts" : ""}\n` +
          `inbound URL: ${c.inbound_url}\npassphrase:  ${c.passphrase}\n` +
          "The passphrase is shown once; alert sources send it as \"passphrase\" in the webhook's body format.\n" +
          `Nothing is delivered until someone accepts an invitation: tradectl relay invite ${c.name}\n`,
      );
      return;
    }
    case "list": {
      const list = await ctx.client.get<Channel[]>("/relay/channels");
      if (ctx.json) return printJson(list);
      return printTable(list as unknown as Array<Record<string, unknown>>, ["id", "name", "from_webhook", "receivers", "inbound_url"]);
    }
    case "show": {
      const c = await ctx.client.get<Channel & { receivers_list: Array<Record<string, unknown>>; invitations: Array<Record<string, unknown>> }>(`/relay/channels/${need()}`);
      if (ctx.json) return printJson(c);
      process.stdout.write(`${c.name} (${c.id})\ninbound URL: ${c.inbound_url}\nfrom webhook: ${c.from_webhook ? "yes" : "no"}\ncreated: ${c.created_at}\n\nreceivers:\n`);
      printTable(c.receivers_list.map((r) => ({ ...r, paused_by: (r.paused_by as string[]).join(",") || null })), ["id", "kind", "state", "paused_by", "endpoint", "delivered", "skipped"]);
      process.stdout.write("\ninvitations:\n");
      return printTable(c.invitations, ["id", "note", "email", "expires_at", "used_at", "receiver_id"]);
    }
    case "delete": {
      const r = await ctx.client.delete<{ id: string }>(`/relay/channels/${need()}`);
      if (ctx.json) return printJson(r);
      process.stdout.write(`deleted channel ${name} (${r.id}); its receivers are removed\n`);
      return;
    }
    default:
      throw new TradectlError("USAGE", `unknown relay channel action "${action}": use create, list, show or delete`);
  }
}
