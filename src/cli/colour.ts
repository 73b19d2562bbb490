/**
 * Colour for people only: on a terminal, never when NO_COLOR is set to anything but "" (no-color.org), never on a
 * dumb terminal. Pipes, files and cron mail get plain text.
 */
export function colourEnabled(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR && env.TERM !== "dumb";
}

export interface Paint {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

const sgr = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;
const plain = (s: string) => s;

export function paint(on = colourEnabled()): Paint {
  return on
    ? { red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39), bold: sgr(1, 22), dim: sgr(2, 22) }
    : { red: plain, green: plain, yellow: plain, bold: plain, dim: plain };
}
