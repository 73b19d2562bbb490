/** The kill switch, persisted in the state store so it survives restarts. */
import type { StateStore } from "./ports.js";

export interface KillSwitchState {
  active: boolean;
  reason: string | null;
  actor: string | null;
  changed_at: number | null;
}

const KEY = "kill_switch";

export class KillSwitch {
  /** Read once, then kept: one daemon owns its home (the instance lock), and every change goes through set(). */
  private current: KillSwitchState | null = null;

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
}
