/** `tradectl relay invite CHANNEL`: a one-time invitation URL (optionally mailed). */
import { TradectlError } from "../../domain/errors.js";
import { makeContext, type GlobalOptions } from "../context.js";
import { printJson } from "../output.js";

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "30m", "12h", "7d" → ms. */
export function parseDuration(text: string): number {
  const m = /^(\d+)([mhd])$/.exec(text.trim());
  if (!m) throw new TradectlError("USAGE", `--expires takes a number and a unit: 30m, 12h or 7d (got "${text}")`);
  const ms = Number(m[1]) * UNITS[m[2]!]!;
  if (ms <= 0) throw new TradectlError("USAGE", "--expires must be more than 0");
  return ms;
}

interface Invitation {
  id: string;
  url: string;
  channel: string;
  expires_at: string;
  emailed: boolean | null;
  email_error: string | null;
}

export async function run(args: string[], opts: GlobalOptions & { note?: string; expires?: string; email?: string }): Promise<void> {
  const ctx = makeContext(opts);
  const [channel] = args;
  const expiresMs = parseDuration(opts.expires ?? "7d");
  const inv = await ctx.client.post<Invitation>(`/relay/channels/${encodeURIComponent(channel!)}/invitations`, {
    expires_ms: expiresMs,
    ...(opts.note !== undefined ? { note: opts.note } : {}),
    ...(opts.email !== undefined ? { email: opts.email } : {}),
  });
  if (ctx.json) printJson(inv);
  else {
    process.stdout.write(
      `${inv.url}\nOne use, until ${inv.expires_at}. A tradectl daemon accepts it with: tradectl relay accept ${inv.url} [--sizing 0.5]\n` +
        "In a browser it shows a form for any other receiver (a bot, a bridge).\n" +
        (inv.emailed ? `Mailed to ${opts.email}.\n` : ""),
    );
  }
  if (inv.emailed === false) throw new TradectlError("MAIL_FAILED", `the invitation was created but could not be mailed: ${inv.email_error}`);
}
