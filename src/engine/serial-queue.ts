/** Runs tasks one at a time per key, in arrival order; different keys run concurrently. */
export class KeyedSerialQueue {
  private readonly tails = new Map<string, Promise<unknown>>();
  private pendingCount = 0;

  get pending(): number {
    return this.pendingCount;
  }

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    this.pendingCount++;
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(task, task).finally(() => {
      this.pendingCount--;
      if (this.tails.get(key) === settled) this.tails.delete(key);
    });
    const settled = next.catch(() => undefined);
    this.tails.set(key, settled);
    return next;
  }

  /** Resolves when every queued task has finished. */
  async drain(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }
}
