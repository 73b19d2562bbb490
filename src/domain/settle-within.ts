/**
 * Waits for `p`, at most `ms`. The timer keeps the process alive while it waits (an unref'd one would let a
 * shutdown that waits on nothing else end early, with Node's "unsettled top-level await" exit code 13).
 */
export async function settleWithin(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([p.then(() => undefined, () => undefined), new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
