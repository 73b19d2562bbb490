/**
 * Failed passphrases are logged per source address at most once a minute, with a count: a flood of wrong
 * passphrases must not turn into a flood of log lines (each request is still in the access log and the journal).
 */
export class AuthFailureLog {
  private readonly windows = new Map<string, { since: number; count: number }>();

  constructor(
    private readonly warn: (msg: string, meta: Record<string, unknown>) => void,
    private readonly windowMs = 60_000,
  ) {}

  failed(ip: string, reason: string, now: number): void {
    const w = this.windows.get(ip);
    if (w && now - w.since < this.windowMs) {
      w.count++;
      return;
    }
    if (w && w.count > 1) this.warn("webhook refused: passphrase (summary)", { source_ip: ip, failures: w.count, since: new Date(w.since).toISOString() });
    this.windows.set(ip, { since: now, count: 1 });
    this.warn("webhook refused: passphrase", { source_ip: ip, reason });
    if (this.windows.size > 10_000) this.windows.delete(this.windows.keys().next().value!);
  }
}
