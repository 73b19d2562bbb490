/**
 * A progress bar on stderr for work that can take more than a second (cli-progress, imported only when shown):
 * shown on a terminal only, so pipes, files and cron mail never get its control characters.
 */
export interface Progress {
  update(done: number, label?: string): void;
  stop(): void;
}

const NONE: Progress = { update: () => {}, stop: () => {} };

export async function progress(title: string, total: number, show = process.stderr.isTTY === true): Promise<Progress> {
  if (!show) return NONE;
  const { default: cliProgress } = await import("cli-progress");
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: `${title} [{bar}] {value}/{total} {label}`, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { label: "" });
  return {
    update: (done, label) => bar.update(done, label === undefined ? {} : { label }),
    stop: () => bar.stop(),
  };
}
