/**
 * Waits until `probe` gives a value `ok` accepts (polled, as the event under test happens elsewhere: in another
 * process, on a socket), or fails saying what never happened and what was seen last. A probe that throws (a daemon
 * not listening yet) counts as not yet.
 */
export async function until<T>(what: string, probe: () => Promise<T> | T, ok: (v: T) => boolean = Boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let seen: string;
    try {
      const v = await probe();
      if (ok(v)) return v;
      seen = JSON.stringify(v);
    } catch (err) {
      seen = `an error: ${(err as Error).message}`;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last seen: ${seen}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}
