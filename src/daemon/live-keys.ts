/**
 * The config keys a running daemon applies on SIGHUP (`systemctl reload tradectl`); every other key (webhook.host,
 * webhook.port, webhook.trustProxy, broker.*, feeds, redis.*, cluster.*) is read once at start. tradectl.conf(5)
 * says which is which, and its test reads this list. A new config key belongs here when a reload applies it.
 */
import type { TradectlConfig } from "../config/types.js";

/** Key prefixes applied live. webhook.tls: the certificate and key files are read again (a renewal). */
export const LIVE_KEYS = [
  "risk",
  "webhook.ipAllowlist",
  "webhook.rateLimits",
  "webhook.syncBudgetMs",
  "webhook.timestampWindowMs",
  "webhook.signalTtlMs",
  "webhook.tls",
  "instruments",
  "log.level",
  "relay",
] as const;

export function appliesOnReload(key: string): boolean {
  return LIVE_KEYS.some((k) => key === k || key.startsWith(`${k}.`));
}

export interface ConfigChanges {
  /** Changed keys that take effect now (live keys are reported at the level listed in LIVE_KEYS). */
  live: string[];
  /** Changed keys that take effect only at the next start (reported leaf by leaf; a list is one leaf). */
  restart: string[];
}

export function configChanges(running: TradectlConfig, next: TradectlConfig): ConfigChanges {
  const live = LIVE_KEYS.filter((k) => !same(at(running, k), at(next, k)));
  const restart = changedLeaves(running, next, "").filter((k) => !LIVE_KEYS.some((l) => k === l || k.startsWith(`${l}.`)));
  return { live: [...live], restart };
}

function at(c: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((v, k) => (isObject(v) ? v[k] : undefined), c);
}

function changedLeaves(a: unknown, b: unknown, prefix: string): string[] {
  if (!isObject(a) || !isObject(b)) return same(a, b) ? [] : [prefix];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.flatMap((k) => changedLeaves(a[k], b[k], prefix ? `${prefix}.${k}` : k));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
