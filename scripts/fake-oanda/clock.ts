/** The fake server's time: real by default; a test that drives the client's clock can drive the server's too. */
export interface ServerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: ServerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface Repeating {
  stop(): void;
}

/** Calls `fn` every `ms` on `clock` (a timeout that re-arms itself, so a manual clock fires it step by step). */
export function every(clock: ServerClock, ms: number, fn: () => void): Repeating {
  let handle: unknown = null;
  let stopped = false;
  const arm = (): void => {
    handle = clock.setTimeout(() => {
      if (stopped) return;
      arm();
      fn();
    }, ms);
  };
  arm();
  return {
    stop: () => {
      stopped = true;
      if (handle !== null) clock.clearTimeout(handle);
    },
  };
}

/** A small seeded generator (LCG): the fake's faults and random walk repeat for a given seed. */
export function seededRandom(seed: number): () => number {
  let state = Math.abs(Math.floor(seed)) % 2147483648 || 12345;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}
