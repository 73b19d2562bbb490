/**
 * Runs the CLI on a pseudo-terminal (util-linux `script`), as a person at a terminal would: stdout and stdin are a
 * TTY, so colour and raw-mode input can be tested. `answers` are typed one at a time, each after its prompt shows.
 */
import { spawn } from "node:child_process";
import { BIN } from "./daemon.js";

export interface PtyRun {
  code: number | null;
  /** Everything the terminal showed (the program's stdout and stderr, and any echo), CRLF as the tty writes it. */
  screen: string;
}

const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

export function runInPty(args: string[], env: Record<string, string>, answers: Array<{ after: RegExp; type: string }> = []): Promise<PtyRun> {
  const command = [process.execPath, BIN, ...args].map(quote).join(" ");
  return new Promise((resolve, reject) => {
    const proc = spawn("script", ["-q", "-e", "-c", command, "/dev/null"], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", TERM: "xterm-256color", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let screen = "";
    let next = 0;
    proc.stdout.on("data", (c: Buffer) => {
      screen += c.toString();
      // Type an answer once its prompt is on the screen (after the previous answer was typed).
      const a = answers[next];
      if (a && a.after.test(screen.slice(typedAt))) {
        typedAt = screen.length;
        next++;
        proc.stdin.write(a.type);
      }
    });
    let typedAt = 0;
    proc.stderr.on("data", (c: Buffer) => (screen += c.toString()));
    proc.on("error", reject);
    proc.on("exit", (code) => {
      proc.stdin.destroy();
      resolve({ code, screen });
    });
  });
}

/** SGR sequences (colours, bold): what NO_COLOR forbids. */
export const SGR = /\x1b\[[0-9;]*m/;
