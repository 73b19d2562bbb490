/**
 * `tradectl signal send`: posts an alert to a daemon's webhook as TradingView does (text/plain holding JSON), to
 * check a set-up end to end. The passphrase comes from --passphrase-file, WEBHOOK_SECRET (or WEBHOOK_SECRET_FILE) or
 * the paper mode's generated file, never from an argument (arguments are visible to every user in `ps`). `--test`
 * posts to /webhook/test, the dry run that trades nothing. Exit 0 when the webhook accepted the alert (a dry run: when
 * it would execute), 1 when it refused it (the answer's code and message on stderr), 3 when nothing answered.
 */
import { existsSync, readFileSync } from "node:fs";
import { readConfig } from "../../config/store.js";
import { readDaemonRecord, resolvePaths } from "../../config/paths.js";
import { readSecret } from "../../config/secrets.js";
import { errorFromAnswer } from "../../domain/error-envelope.js";
import { TradectlError } from "../../domain/errors.js";
import type { GlobalOptions } from "../context.js";
import { printJson } from "../output.js";

interface Opts extends GlobalOptions {
  url?: string;
  passphraseFile?: string;
  alert?: string;
  action?: string;
  ticker?: string;
  quantity?: number;
  price?: string;
  test?: boolean;
}

const TIMEOUT_MS = 10_000;
/** TradingView's placeholders that a saved alert message may still hold: they become the current time. */
const TIME_PLACEHOLDER = /^\{\{(timenow|time)\}\}$/;

export async function run(_args: string[], opts: Opts): Promise<void> {
  const paths = resolvePaths(opts.home);
  const body = readAlert(opts.alert);
  if (opts.action) body.action = opts.action;
  if (opts.ticker) body.ticker = opts.ticker;
  if (opts.quantity !== undefined) body.quantity = opts.quantity;
  if (opts.price !== undefined) body.price = parsePrice(opts.price);
  body.price ??= "market";
  if (body.timestamp === undefined || (typeof body.timestamp === "string" && TIME_PLACEHOLDER.test(body.timestamp))) body.timestamp = String(Date.now());
  const missing = ["action", "ticker", "quantity"].filter((k) => body[k] === undefined);
  if (missing.length) throw new TradectlError("USAGE", `the alert has no ${missing.join(", ")}: give ${missing.map((k) => `--${k}`).join(", ")} or an --alert file that has them`);
  body.passphrase = passphrase(opts, paths.passphraseFile);

  const base = (opts.url ?? defaultUrl(paths)).replace(/\/+$/, "").replace(/\/webhook(\/test)?$/, "");
  const url = `${base}/webhook${opts.test ? "/test" : ""}`;
  const started = performance.now();
  let res: Response;
  try {
    res = await fetch(url, { method: "POST", headers: { "content-type": "text/plain; charset=utf-8" }, body: JSON.stringify(body), signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
    throw new TradectlError("WEBHOOK_UNREACHABLE", `no answer from ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
  const text = await res.text();
  const elapsed = Math.round(performance.now() - started);
  let answer: Record<string, unknown>;
  try {
    answer = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new TradectlError("BAD_RESPONSE", `${url} answered ${res.status} with a body that is not JSON (is this a tradectl webhook?): ${text.slice(0, 200)}`);
  }
  if (opts.json) printJson({ status: res.status, elapsed_ms: elapsed, url, body: answer });
  else process.stdout.write(`${res.status} from ${url} in ${elapsed} ms\n${describe(answer)}\n`);
  const data = (answer.data ?? {}) as Record<string, unknown>;
  if (res.ok && data.would_execute === false) throw new TradectlError("WOULD_NOT_EXECUTE", "the dry run would not execute this alert (see the checks above)");
  if (!res.ok) {
    const refusal = errorFromAnswer(res.status, answer, url);
    throw new TradectlError(refusal.code, `the webhook refused the alert: ${res.status} ${refusal.code} ${refusal.message}`, { details: refusal.details, errors: refusal.errors });
  }
}

function readAlert(file: string | undefined): Record<string, unknown> {
  if (file === undefined) return {};
  let raw: string;
  try {
    raw = readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (err) {
    throw new TradectlError("USAGE", `cannot read the alert ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new TradectlError("USAGE", `the alert in ${file} is not JSON (TradingView sends the alert message as is; it must be a JSON object): ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new TradectlError("USAGE", `the alert in ${file} must be a JSON object`);
  return parsed as Record<string, unknown>;
}

function parsePrice(raw: string): string | number {
  if (raw === "market") return raw;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new TradectlError("USAGE", `--price must be market or a positive number, got ${raw}`);
  return n;
}

function passphrase(opts: Opts, generated: string): string {
  if (opts.passphraseFile) {
    try {
      const p = readFileSync(opts.passphraseFile, "utf8").trim();
      if (p) return p;
    } catch (err) {
      throw new TradectlError("USAGE", `cannot read --passphrase-file ${opts.passphraseFile}: ${(err as Error).message}`);
    }
    throw new TradectlError("USAGE", `--passphrase-file ${opts.passphraseFile} is empty`);
  }
  const secret = readSecret("WEBHOOK_SECRET");
  if (secret) return secret;
  if (existsSync(generated)) return readFileSync(generated, "utf8").trim();
  throw new TradectlError("USAGE", "no passphrase: set WEBHOOK_SECRET (or WEBHOOK_SECRET_FILE), or give --passphrase-file FILE");
}

/** This home's daemon: the URL it recorded, else http(s)://HOST:PORT from config (0.0.0.0 reached on loopback). */
function defaultUrl(paths: ReturnType<typeof resolvePaths>): string {
  const recorded = readDaemonRecord(paths)?.webhook_url;
  if (recorded) return recorded;
  const c = readConfig(paths.configFile);
  const host = c.webhook.host === "0.0.0.0" || c.webhook.host === "::" ? "127.0.0.1" : c.webhook.host.includes(":") ? `[${c.webhook.host}]` : c.webhook.host;
  return `${c.webhook.tls.cert ? "https" : "http"}://${host}:${c.webhook.port}`;
}

/** One line for people: what happened to the alert. */
function describe(a: Record<string, unknown>): string {
  const data = (a.data ?? {}) as Record<string, unknown>;
  if (a.status === "error") {
    const d = (a.details ?? {}) as Record<string, unknown>;
    const fields = Array.isArray(a.errors) ? ` (${(a.errors as Array<{ field: string; message: string }>).map((e) => `${e.field}: ${e.message}`).join("; ")})` : "";
    return `refused: ${String(a.error_code)} ${String(a.message)}${fields}${d.limit_type ? ` [${String(d.limit_type)}]` : ""}`;
  }
  if ("would_execute" in data) {
    const lines = Object.entries({ ...(data.validation_results as object), ...(data.risk_checks as object) }).map(([k, v]) => [k, String(v)]);
    const width = Math.max(0, ...lines.map(([k]) => k!.length));
    return [`dry run: ${data.would_execute ? "would execute" : "would NOT execute"}`, ...lines.map(([k, v]) => `  ${k!.padEnd(width)}  ${v}`)].join("\n");
  }
  const price = data.fill_price ?? data.price;
  return `${String(a.message ?? "accepted")}: ${String(data.order_id ?? "")} ${String(data.order_status ?? data.status ?? "")}${price !== undefined && price !== null ? ` at ${String(price)}` : ""}`.trim();
}
