/**
 * The fake OANDA server in this process and the feeds under test on one manual clock, over real loopback
 * sockets. Time moves one timer at a time, and only once every byte has arrived and every callback has run
 * (LoopbackSettle): a 10 s silence limit or a 30 min backoff takes as long as the work it causes.
 */
import { startFakeOanda, type FakeOanda, type Switches } from "../../scripts/fake-oanda/server.js";
import { LoopbackSettle } from "./loopback-settle.js";
import { ManualTimers } from "./manual-timers.js";

export interface VirtualWorld {
  timers: ManualTimers;
  fake: FakeOanda;
  /** Adds what else must stop changing before time may move (feed states, counts). */
  watch(part: () => unknown): void;
  /** Waits until nothing is in flight. */
  settle(): Promise<void>;
  /** Moves the clock forward by `ms`, firing each timer due on the way and settling after each. */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

export async function startVirtualWorld(opts: { switches?: Partial<Switches>; seed?: number } = {}): Promise<VirtualWorld> {
  const timers = new ManualTimers();
  const fake = await startFakeOanda({ tickMs: 0, heartbeatMs: 5000, ...opts.switches }, 0, "127.0.0.1", { clock: timers, seed: opts.seed ?? 1 });
  // Idle keep-alive sockets are closed on real time otherwise, at a moment no run could repeat.
  fake.server.keepAliveTimeout = 0;
  const parts: Array<() => unknown> = [];
  const loopback = new LoopbackSettle(fake.server, fake.port, () => JSON.stringify([timers.size, timers.nextDue(), ...parts.map((p) => p())]));
  const settle = (): Promise<void> => loopback.settle();
  return {
    timers,
    fake,
    watch: (part) => void parts.push(part),
    settle,
    advance: async (ms) => {
      const target = timers.now() + ms;
      await settle();
      while (timers.runNext(target)) await settle();
      timers.moveTo(target);
    },
    close: async () => {
      loopback.close();
      await fake.close();
    },
  };
}
