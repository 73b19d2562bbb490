/**
 * The leader's lease: `SET NX PX` of `<node>|<token>`, the token drawn from a counter that only grows (the fencing
 * token), renewed every third of its length. The lease is held, by this daemon's own clock, until the instant it was
 * asked for plus its length (Redis counts from later, so Redis never thinks it free while this daemon thinks it
 * held). A renewal that fails or is late lets it run out: a leader cut off from Redis stops sending before another
 * can take over. Right before each send the engine asks Redis whether the token is still the lease (`confirm`);
 * when Redis cannot be asked, the lease by this daemon's own clock answers.
 * A follower asks again when the holder's lease is due to end, so a dead leader is replaced within one lease.
 */
import type { SendPermit } from "../engine/ports.js";
import type { RedisLink } from "./connection.js";
import type { PairKeys } from "./keys.js";
import { CONFIRM, LEASE, RESIGN } from "./scripts.js";

export interface LeaderChange {
  /** The node holding the lease now, or null when none is known to (it ran out, or Redis cannot be asked). */
  leader: string | null;
  previous: string | null;
  token: number | null;
}

export interface LeaseOptions {
  link: RedisLink;
  keys: PairKeys;
  node: string;
  leaseMs: number;
  onChange: (c: LeaderChange) => void;
  /** This daemon's term begins (a new token): before it sends anything, it takes over what a leader may have left. */
  onTerm: (token: number) => void;
}

export interface LeaseView {
  role: "leader" | "follower";
  leader: string | null;
  token: number | null;
  /** When this daemon's current term began (ISO-8601); a follower's is null. */
  term_started_at: string | null;
  /** Since the holder's lease was last taken or renewed, as last seen (ms). */
  lease_age_ms: number | null;
  lease_ms: number;
}

export class Lease implements SendPermit {
  private token: number | null = null;
  private validUntil = 0;
  private termStartedAt: number | null = null;
  private holder: string | null = null;
  private holderToken: number | null = null;
  /** performance.now() when the holder's lease had this much time left. */
  private seen: { at: number; pttl: number } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly margin: number;

  constructor(private readonly o: LeaseOptions) {
    this.margin = Math.min(100, Math.floor(o.leaseMs / 10));
  }

  start(): void {
    void this.tick();
  }

  current(): number | null {
    if (this.token === null) return null;
    if (performance.now() < this.validUntil) return this.token;
    this.lose(null);
    return null;
  }

  async confirm(token: number): Promise<boolean> {
    if (this.current() !== token) return false;
    try {
      const pttl = (await this.o.link.cmd.eval(CONFIRM, 1, this.o.keys.leader, `${this.o.node}|${token}`)) as number;
      if (pttl > 0) return this.current() === token;
      this.lose(null);
      return false;
    } catch (err) {
      this.o.link.noteFailure(err);
      // Redis cannot be asked (down, partitioned): the lease is still ours by this daemon's own clock, which ends it
      // before Redis could free it for another daemon (see the header), so no other can hold it now. The leader goes
      // on sending within it: exits admitted while Redis is down, orders queued before.
      return this.current() === token;
    }
  }

  view(): LeaseView {
    const held = this.current();
    return {
      role: held === null ? "follower" : "leader",
      leader: held === null ? this.holder : this.o.node,
      token: held ?? this.holderToken,
      term_started_at: held === null || this.termStartedAt === null ? null : new Date(this.termStartedAt).toISOString(),
      lease_age_ms: this.seen === null ? null : Math.max(0, Math.round(this.o.leaseMs - this.seen.pttl + (performance.now() - this.seen.at))),
      lease_ms: this.o.leaseMs,
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const token = this.token;
    this.token = null;
    // A leader that stops gives the lease up: the other daemon need not wait it out.
    if (token !== null) await this.o.link.cmd.eval(RESIGN, 1, this.o.keys.leader, `${this.o.node}|${token}`).catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    let next = Math.floor(this.o.leaseMs / 3);
    const asked = performance.now();
    try {
      const held = this.current();
      const [token, holder, pttl] = (await this.o.link.cmd.eval(LEASE, 2, this.o.keys.leader, this.o.keys.fence, this.o.node, held === null ? "" : String(held), this.o.leaseMs)) as [string, string, number];
      if (this.stopped) return;
      this.o.link.noteLatency(performance.now() - asked);
      this.seen = { at: performance.now(), pttl: Number(pttl) };
      if (token !== "") {
        const t = Number(token);
        this.validUntil = asked + this.o.leaseMs - this.margin;
        if (this.token !== t) {
          const previous = this.holder;
          this.token = t;
          this.termStartedAt = Date.now();
          this.holder = this.o.node;
          this.holderToken = t;
          this.o.onChange({ leader: this.o.node, previous, token: t });
          this.o.onTerm(t);
        }
      } else {
        if (this.token !== null) this.lose(holder);
        this.observe(holder);
        // Ask again as soon as the holder's lease is due to end.
        if (pttl > 0) next = Math.min(next, Number(pttl) + 5);
      }
    } catch (err) {
      this.o.link.noteFailure(err);
      next = Math.min(next, 250);
    }
    if (!this.stopped) {
      this.timer = setTimeout(() => void this.tick(), Math.max(5, next));
      this.timer.unref();
    }
  }

  private observe(value: string): void {
    const [holder, token] = splitHolder(value);
    if (holder === this.holder && token === this.holderToken) return;
    const previous = this.holder;
    this.holder = holder;
    this.holderToken = token;
    this.o.onChange({ leader: holder, previous, token });
  }

  private lose(holder: string | null): void {
    if (this.token === null) return;
    this.token = null;
    this.termStartedAt = null;
    const [who, token] = holder === null ? [null, null] : splitHolder(holder);
    const previous = this.holder;
    this.holder = who;
    this.holderToken = token;
    this.o.onChange({ leader: who, previous, token });
  }
}

function splitHolder(v: string): [string, number | null] {
  const i = v.lastIndexOf("|");
  return i < 0 ? [v, null] : [v.slice(0, i), Number(v.slice(i + 1))];
}
