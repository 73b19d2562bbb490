/**
 * The kill switch, persisted in the state store so it survives restarts. In a pair it is also shared (see `share`):
 * a change on either daemon is adopted by the other, the later change winning.
 */
import type { SharedKill, StateStore } from "./ports.js";

export type KillSwitchState = SharedKill;

const KEY = "kill_switch";

export class KillSwitch {
  /** Read once, then kept: one daemon owns its home (the instance lock), and every change goes through set(). */
  private current: KillSwitchState | null = null;

  /** In a pair: hands every change made here to the other daemon (resolves once the pair's store has it). */
  share: ((s: KillSwitchState) => Promise<void>) | null = null;

  constructor(private readonly state: StateStore) {}

  get(): KillSwitchState {
    this.current ??= this.state.get<KillSwitchState>(KEY) ?? { active: false, reason: null, actor: null, changed_at: null };
    return this.current;
  }

  get active(): boolean {
    return this.get().active;
  }

  set(active: boolean, reason: string | null, actor: string, now: number): KillSwitchState {
    const next = { active, reason, actor, changed_at: now };
    this.state.set(KEY, next, now);
    this.current = next;
    return next;
  }

  /** A change made on the other daemon of a pair: kept when it is later than this one's own. Returns whether it was. */
  adopt(s: KillSwitchState, now: number): boolean {
    const mine = this.get();
    if (s.changed_at === null || (mine.changed_at !== null && mine.changed_at >= s.changed_at)) return false;
    this.state.set(KEY, s, now);
    this.current = { ...s };
    return true;
  }
}
