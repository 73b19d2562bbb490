/**
 * Waits until `cond` holds, checking after each turn of I/O (it never passes by time alone: it fails if the condition
 * has not held by `timeoutMs`, a limit far above what the condition needs).
 */
export async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
