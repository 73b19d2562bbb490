/** Waits until `probe` gives a value `ok` accepts (polled, as the event under test happens elsewhere), or fails saying what never happened. */
export async function until<T>(what: string, probe: () => Promise<T> | T, ok: (v: T) => boolean = Boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 15));
    last = await probe();
  }
  return last;
}
