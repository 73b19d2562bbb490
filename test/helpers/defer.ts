/**
 * Cleanup that runs last-registered-first (node:test runs `t.after` hooks first-registered-first): a daemon
 * started after its temp home was created is stopped before that home is removed.
 */
import type { TestContext } from "node:test";

const stacks = new WeakMap<TestContext, Array<() => unknown>>();

export function defer(t: TestContext, fn: () => unknown): void {
  let stack = stacks.get(t);
  if (!stack) {
    const s: Array<() => unknown> = [];
    stacks.set(t, (stack = s));
    t.after(async () => {
      for (const f of s.reverse()) await f();
    });
  }
  stack.push(fn);
}
