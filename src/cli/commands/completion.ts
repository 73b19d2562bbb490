/** `tradectl completion bash|zsh|fish`: a completion script generated from the program itself. */
import type { Command } from "commander";
import { configKeys } from "../../config/keys.js";
import { completionScript } from "../completion.js";

export async function run(args: string[], _opts: unknown, program: Command): Promise<void> {
  process.stdout.write(completionScript(program, args[0] as "bash" | "zsh" | "fish", configKeys()));
}
