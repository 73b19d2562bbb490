/** `tradectl completion bash|zsh|fish`: generated from the program, loaded by the shell, offering what the CLI takes. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildProgram } from "../../src/cli/program.js";
import { commandSpecs } from "../../src/cli/completion.js";
import { configKeys } from "../../src/config/keys.js";
import { runCli } from "../helpers/daemon.js";
import { testHome } from "../helpers/temp-home.js";

const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

test("bash loads the script and completes subcommands, options, allowed values and config keys", async (t) => {
  const home = testHome(t);
  const res = await runCli(["completion", "bash"]);
  assert.equal(res.code, 0, res.stderr);
  const file = join(home, "tradectl.bash");
  writeFileSync(file, res.stdout);
  const cases: string[][] = [
    ["tradectl", ""],
    ["tradectl", "rep"],
    ["tradectl", "report", "--period", ""],
    ["tradectl", "report", "--fo"],
    ["tradectl", "--home", "/srv/x", "status", "--js"],
    ["tradectl", "config", "get", "risk."],
    ["tradectl", "config", ""],
    ["tradectl", "signal", ""],
    ["tradectl", "signal", "send", "--ac"],
    ["tradectl", "signal", "send", "--action", "clo"],
    ["tradectl", "orders", "--status", ""],
    ["tradectl", "rates", "9984", "--timeframe", "H"],
    ["tradectl", "completion", ""],
  ];
  const script = [
    `source ${JSON.stringify(file)}`,
    "complete -p tradectl",
    'comp() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _tradectl; echo "${COMPREPLY[*]}"; }',
    ...cases.map((c) => `comp ${c.map((w) => JSON.stringify(w)).join(" ")}`),
  ].join("\n");
  const out = spawnSync("bash", ["--norc", "--noprofile", "-c", script], { encoding: "utf8" });
  assert.equal(out.status, 0, out.stderr);
  assert.equal(out.stderr, "", "the script loads without a complaint");
  const [registered, ...lines] = out.stdout.trimEnd().split("\n");
  assert.equal(registered, "complete -F _tradectl tradectl");
  const words = lines.map((l) => l.split(" ").filter(Boolean).sort());
  const program = buildProgram("0.0.0");
  assert.deepEqual(words[0], program.commands.map((c) => c.name()).sort(), "every subcommand, from the program itself");
  assert.deepEqual(words[1], ["report"]);
  assert.deepEqual(words[2], ["day", "month", "range", "week"]);
  assert.deepEqual(words[3], ["--format"]);
  assert.deepEqual(words[4], ["--json"]);
  assert.deepEqual(words[5], configKeys().filter((k) => k.startsWith("risk.")).sort());
  assert.deepEqual(words[6], ["get", "path", "set", "unset"]);
  assert.deepEqual(words[7], ["send"]);
  assert.deepEqual(words[8], ["--action"]);
  assert.deepEqual(words[9], ["close_all", "close_long", "close_short"]);
  assert.deepEqual(words[10], ["cancelled", "done", "expired", "failed", "filled", "partially_filled", "pending", "rejected", "submitted", "unknown", "working"]);
  assert.deepEqual(words[11], ["H1", "H12", "H2", "H3", "H4", "H6", "H8"]);
  assert.deepEqual(words[12], ["bash", "fish", "zsh"]);
});

test("every option of every command is in each script", async () => {
  const specs = commandSpecs(buildProgram("0.0.0"));
  for (const shell of ["bash", "zsh", "fish"]) {
    const { stdout, code } = await runCli(["completion", shell]);
    assert.equal(code, 0);
    for (const s of specs) {
      for (const o of s.options) assert.ok(stdout.includes(shell === "fish" ? `-l ${o.long.slice(2)}` : o.long), `${shell}: ${s.path || "tradectl"} ${o.long}`);
      for (const sub of s.subcommands) assert.ok(stdout.includes(sub), `${shell}: ${sub}`);
    }
  }
});

for (const shell of ["zsh", "fish"] as const) {
  test(`${shell} parses its script`, { skip: has(shell) ? false : `${shell} is not installed` }, async (t) => {
    const home = testHome(t);
    const file = join(home, `tradectl.${shell}`);
    writeFileSync(file, (await runCli(["completion", shell])).stdout);
    const r = spawnSync(shell, ["-n", file], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
  });
}
