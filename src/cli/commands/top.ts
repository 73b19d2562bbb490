/** `tradectl top [--once]`: a live terminal view. ink and react are imported only here, so other commands stay fast. */
import { colourEnabled } from "../colour.js";
import { makeContext, type GlobalOptions } from "../context.js";

export async function run(_args: string[], opts: GlobalOptions & { once?: boolean; interval?: number }): Promise<void> {
  const ctx = makeContext(opts);
  // ink colours through chalk, which does not read NO_COLOR: tell it before it is imported.
  if (!colourEnabled(process.stdout)) process.env.FORCE_COLOR = "0";
  const [{ render }, { createElement }, top] = await Promise.all([import("ink"), import("react"), import("../top/top-app.js")]);
  if (opts.once || !process.stdout.isTTY) {
    // One frame, for a pipe or cron: fetch once (errors propagate with their exit code), render, exit.
    const data = await top.fetchTopData(ctx.client);
    const app = render(createElement(top.TopView, { data, error: null }), { patchConsole: false });
    app.unmount();
    await app.waitUntilExit();
    return;
  }
  const app = render(createElement(top.TopApp, { client: ctx.client, intervalMs: opts.interval ?? 1000 }));
  await app.waitUntilExit();
}
