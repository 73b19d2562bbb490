/**
 * `tradectl hash-password`: the bcrypt hash of a password, for ADMIN_PASSWORD_HASH. On a terminal the password is
 * typed twice and never echoed; otherwise it is read from stdin (`tradectl hash-password < file`).
 */
import bcrypt from "bcryptjs";
import { TradectlError } from "../../domain/errors.js";

const MIN_LENGTH = 16;

export async function run(): Promise<void> {
  let password: string;
  if (process.stdin.isTTY) {
    // Raw mode before the first prompt and until the last answer: nothing typed ahead is ever echoed.
    process.stdin.setRawMode(true);
    try {
      password = await readHidden(`password (at least ${MIN_LENGTH} characters): `);
      if (password.length >= MIN_LENGTH && (await readHidden("the same again: ")) !== password) throw new TradectlError("PASSWORD_MISMATCH", "the two passwords differ; nothing was hashed");
    } finally {
      process.stdin.setRawMode(false);
      process.stdin.pause();
    }
  } else {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    password = Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
  }
  if (password.length < MIN_LENGTH) throw new TradectlError("USAGE", `the admin password must be at least ${MIN_LENGTH} characters (seed 3.3)`);
  process.stdout.write(`${await bcrypt.hash(password, 12)}\n`);
}

/** One line from the terminal (in raw mode: nothing echoed): Enter ends it, Backspace edits it, Ctrl-C cancels. */
function readHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let line = "";
    const done = (err: Error | null) => {
      stdin.off("data", onData);
      stdin.pause(); // what comes next waits in the stream for the next prompt
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(line);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") return done(null);
        if (ch === "\u0003") return done(new TradectlError("CANCELLED", "cancelled; nothing was hashed"));
        if (ch === "\u007f" || ch === "\b") line = [...line].slice(0, -1).join("");
        else if (ch >= " ") line += ch;
      }
    };
    stdin.on("data", onData);
  });
}
