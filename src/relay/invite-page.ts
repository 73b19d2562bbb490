/**
 * The invitation as a browser sees it: a small page with a form (no JavaScript) where a receiver that is not
 * tradectl (a bot, another bridge) enters its delivery URL, then a page that shows its signing secret, once.
 */
import { HEADER_NAMES } from "./signature.js";

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** Served with every page: nothing runs, nothing is framed, the token in the URL is not sent on as a referrer. */
export const PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
} as const;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:2em auto;padding:0 1em}code,pre{background:#f4f4f4;padding:.1em .3em}pre{padding:.6em;overflow-x:auto}input[type=url],input[type=text]{width:100%;padding:.4em;box-sizing:border-box}</style>
</head><body>
<h1>${esc(title)}</h1>
${body}
</body></html>
`;
}

export function invitationForm(o: { channelName: string; note: string | null; expiresAt: number; action: string }): string {
  return page(
    `Receive the signals of "${o.channelName}"`,
    `<p>You are invited to receive the trading signals published on the channel <strong>${esc(o.channelName)}</strong>.${o.note ? ` Note from the sender: ${esc(o.note)}` : ""}</p>
<p>This invitation works once and expires at ${esc(new Date(o.expiresAt).toISOString())}. Nothing is delivered until it is accepted.</p>
<p>Another tradectl daemon accepts it with <code>tradectl relay accept URL [--sizing 0.5]</code>. Any other receiver enters the URL signals are to be POSTed to:</p>
<form method="post" action="${esc(o.action)}">
<p><label>Delivery URL<br><input type="url" name="delivery_url" required placeholder="https://bot.example.com/signals"></label></p>
<p><label>Name (optional)<br><input type="text" name="name" maxlength="64"></label></p>
<p><button type="submit">Accept the invitation</button></p>
</form>`,
  );
}

export function acceptedPage(o: { channelName: string; receiverId: string; endpoint: string; signingSecret: string; stateUrl: string }): string {
  return page(
    "Invitation accepted",
    `<p>Signals of <strong>${esc(o.channelName)}</strong> will be POSTed to <code>${esc(o.endpoint)}</code> (receiver <code>${esc(o.receiverId)}</code>).</p>
<p>Your signing secret, shown this once (store it now):</p>
<pre id="secret">${esc(o.signingSecret)}</pre>
<p>Each delivery carries <code>${HEADER_NAMES.delivery}</code> (its id), <code>${HEADER_NAMES.timestamp}</code> (Unix ms) and
<code>${HEADER_NAMES.signature}: sha256=&lt;hex&gt;</code>, the HMAC-SHA256 with this secret of
<code>timestamp + "." + delivery id + "." + body</code>. Refuse a signature that does not match, a timestamp more than
a few minutes away, and a delivery id + timestamp seen before. Answer 2xx when you have it; anything else is retried
until the signal expires, except a 4xx, which is final.</p>
<p>To pause or resume receiving, POST <code>{"paused": true}</code> or <code>{"paused": false}</code>, signed the same way, to
<code>${esc(o.stateUrl)}</code>.</p>`,
  );
}

export function refusalPage(title: string, message: string): string {
  return page(title, `<p>${esc(message)}</p>`);
}
