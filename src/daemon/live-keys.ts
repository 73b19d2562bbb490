/**
 * The config keys a running daemon applies on SIGHUP (`systemctl reload tradectl`); every other key waits for a
 * restart. tradectl.conf(5) says which is which, and its test reads this list.
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

const read = (c: TradectlConfig, key: string): unknown => key.split(".").reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], c);

/** The live keys whose value differs between two configs (webhook.tls is reported by the reload itself). */
export function liveKeysChanged(a: TradectlConfig, b: TradectlConfig): string[] {
  return LIVE_KEYS.filter((k) => k !== "webhook.tls" && JSON.stringify(read(a, k)) !== JSON.stringify(read(b, k)));
}
