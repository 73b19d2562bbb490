/** In-process typed event bus. Listeners never break the publisher: a throwing listener is reported, not propagated. */
import type { EventEnvelope, EventType } from "./envelope.js";

export type Listener = (e: EventEnvelope) => void;

/** Market ticks are by far the most frequent events; "*" listeners get them only when they ask to. */
const TICK: EventType = "feed.tick";

export class EventBus {
  private readonly byType = new Map<EventType, Set<Listener>>();
  private readonly all = new Set<Listener>();
  private readonly allButTicks = new Set<Listener>();

  constructor(private readonly onListenerError: (err: unknown, e: EventEnvelope) => void = () => {}) {}

  /** Listens to one type, or with "*" to every type (ticks included only with `{ ticks: true }`). */
  on(type: EventType | "*", fn: Listener, opts: { ticks?: boolean } = {}): () => void {
    let set: Set<Listener>;
    if (type === "*") set = opts.ticks ? this.all : this.allButTicks;
    else {
      set = this.byType.get(type) ?? new Set<Listener>();
      this.byType.set(type, set);
    }
    set.add(fn);
    return () => set.delete(fn);
  }

  /** True when someone would receive an event of `type`; lets hot paths skip building envelopes. */
  hasListeners(type: EventType): boolean {
    return this.all.size > 0 || (type !== TICK && this.allButTicks.size > 0) || (this.byType.get(type)?.size ?? 0) > 0;
  }

  publish(e: EventEnvelope): void {
    const targets = [...(this.byType.get(e.type) ?? []), ...this.all, ...(e.type === TICK ? [] : this.allButTicks)];
    for (const fn of targets) {
      try {
        fn(e);
      } catch (err) {
        this.onListenerError(err, e);
      }
    }
  }
}
