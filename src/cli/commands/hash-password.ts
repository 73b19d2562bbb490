/** `tradectl hash-password`: bcrypt hash of a password read from stdin, for ADMIN_PASSWORD_HASH. */
import bcrypt from "bcryptjs";
import { UsageError } from "../errors.js";

const MIN_LENGTH = 16;

export async function run(): Promise<void> {
  if (process.stdin.isTTY) process.stderr.write(`password (at least ${MIN_LENGTH} characters), then Enter and Ctrl-D: `);
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const password = Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
  if (password.length < MIN_LENGTH) throw new UsageError(`the admin password must be at least ${MIN_LENGTH} characters (seed 3.3)`);
  process.stdout.write(`${await bcrypt.hash(password, 12)}\n`);
}
