/** Polls `probe` until `ok` holds (every 50 ms, at most `ms`), and returns the value that satisfied it. */
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";

export async function until<T>(what: string, probe: () => Promise<T> | T, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T;
  do {
    last = await probe();
    if (ok(last)) return last;
    await delay(50);
  } while (Date.now() < deadline);
  assert.fail(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
}
