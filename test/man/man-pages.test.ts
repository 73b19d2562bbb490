/**
 * The man pages document whatever exists: every subcommand, option and allowed value of the commander program,
 * every config key of the schema (with its default and whether SIGHUP applies it), every error code at the anchor
 * its help_url names, every route of the OpenAPI document. A command, option or key added without its
 * documentation fails here.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { API_ERROR_CODES as ERROR_CODES } from "../../src/domain/errors.js";
import { commandSpecs } from "../../src/cli/completion.js";
import { buildProgram } from "../../src/cli/program.js";
import { configKeys, defaultAt } from "../../src/config/keys.js";
import { appliesOnReload } from "../../src/daemon/live-keys.js";
import { errorEnvelope } from "../../src/domain/error-envelope.js";
import { ROOT } from "../helpers/daemon.js";
import { startTestDaemon } from "../helpers/daemon.js";
import { defer } from "../helpers/defer.js";

const page = (name: string) => readFileSync(join(ROOT, "man", name), "utf8");
/** The text a reader sees: font and character escapes removed. */
const plain = (roff: string) => roff.replace(/\\f[BIRP]/g, "").replace(/\\-/g, "-").replace(/\\&/g, "").replace(/\\\(en/g, "–");

/** Sections of a page by their heading (`.SH` or `.SS`, as the reader sees it). */
function sections(roff: string, macro: "SH" | "SS"): Map<string, string> {
  const out = new Map<string, string>();
  const parts = roff.split(new RegExp(`^\\.${macro} `, "m")).slice(1);
  for (const p of parts) {
    const nl = p.indexOf("\n");
    const heading = plain(p.slice(0, nl)).replace(/^"|"$/g, "").trim();
    const body = p.slice(nl + 1).split(/^\.S[HS] /m)[0]!;
    out.set(heading, plain(body));
  }
  return out;
}

/** `.TP` entries of a page: the tag line (plain) → the entry's text. */
function entries(roff: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of roff.split(/^\.TP\n/m).slice(1)) {
    const [tag, ...rest] = p.split("\n");
    const body = rest.join("\n").split(/^\.(?:TP|SH|SS|PP)\b/m)[0]!;
    out.set(plain(tag!.replace(/^\.B\s+/, "")).trim(), plain(body));
  }
  return out;
}

test("tradectl(1) documents every subcommand, option and allowed value of the program", () => {
  const roff = page("tradectl.1");
  const commands = sections(roff, "SS");
  const top = sections(roff, "SH");
  for (const s of commandSpecs(buildProgram("0.0.0"))) {
    if (s.path === "") {
      for (const o of s.options) assert.match(top.get("OPTIONS") ?? "", new RegExp(`(^|\\s)${o.long}\\b`), `OPTIONS: ${o.long}`);
      continue;
    }
    if (s.subcommands.length) continue; // a group: its subcommands have their own sections
    const text = commands.get(s.path);
    assert.ok(text !== undefined, `COMMANDS has no section for \`tradectl ${s.path}\``);
    for (const o of s.options) {
      assert.ok(text.includes(o.long), `tradectl ${s.path}: ${o.long} is not documented`);
      for (const c of o.choices) assert.match(text, new RegExp(`(^|[\\s|,"])${c.replace(/\./g, "\\.")}([\\s|,.)"]|$)`, "m"), `tradectl ${s.path} ${o.long}: the value ${c} is not listed`);
    }
    for (const a of s.args) for (const c of a) assert.ok(text.includes(c), `tradectl ${s.path}: the argument value ${c} is not documented`);
  }
  for (const h of ["EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES"]) assert.ok(top.has(h), `section ${h}`);
  const exits = entries(roff.slice(roff.indexOf(".SH EXIT STATUS"), roff.indexOf(".SH ENVIRONMENT")));
  assert.deepEqual([...exits.keys()], ["0", "1", "2", "3"]);
  for (const v of ["TRADECTL_HOME", "XDG_RUNTIME_DIR", "RUNTIME_DIRECTORY", "WEBHOOK_SECRET", "WEBHOOK_SECRET_PREVIOUS", "ADMIN_PASSWORD_HASH", "OANDA_TOKEN", "MT5_BRIDGE_TOKEN", "NO_COLOR"]) {
    assert.ok(top.get("ENVIRONMENT")!.includes(v), `ENVIRONMENT: ${v}`);
  }
});

test("tradectl.conf(5) documents every config key with its default and whether SIGHUP applies it", () => {
  const documented = entries(page("tradectl.conf.5"));
  const keys = configKeys();
  for (const key of keys) {
    const text = documented.get(key);
    assert.ok(text !== undefined, `tradectl.conf(5) does not document ${key}`);
    assert.match(text, new RegExp(`SIGHUP: ${appliesOnReload(key) ? "applied" : "restart"}`), `${key}: SIGHUP ${appliesOnReload(key) ? "applies it" : "does not apply it"}`);
    const d = defaultAt(key);
    if (d !== undefined && (typeof d !== "object" || (Array.isArray(d) && d.length === 0) || (d && Object.keys(d).length === 0))) {
      const shown = typeof d === "string" ? (d === "" ? '""' : d) : JSON.stringify(d);
      assert.ok(text.includes(`Default: ${shown}`), `${key}: Default: ${shown}`);
    } else if (d !== undefined) assert.match(text, /Default: /, `${key}: its default`);
  }
  for (const key of documented.keys()) assert.ok(keys.includes(key), `tradectl.conf(5) documents ${key}, which the schema does not have`);
});

test("tradectl-api(7) has the anchor every help_url points to, and every route of both servers", async (t) => {
  const roff = page("tradectl-api.7");
  const subsections = sections(roff, "SS");
  for (const code of ERROR_CODES) {
    const url = errorEnvelope({ requestId: "req_x", code, message: "", now: 0 }).help_url as string;
    const anchor = url.split("#")[1]!;
    assert.ok(subsections.has(anchor), `tradectl-api(7) has no .SS ${anchor} for ${code} (help_url ${url})`);
    assert.ok(subsections.get(anchor)!.includes(code), `the ${anchor} section names ${code}`);
  }
  const routes = entries(roff);
  const d = await startTestDaemon();
  defer(t, () => d.close());
  // An entry "GET|POST /path" documents both; the socket's routes may be named in a paragraph.
  const named = new Set([...routes.keys()].flatMap((k) => {
    const [methods, path] = k.split(" ");
    return (methods ?? "").split("|").map((m) => `${m} ${path}`);
  }));
  const text = plain(roff);
  const missing: string[] = [];
  for (const doc of [(await d.get("/openapi.json")).body, (await d.socket("GET", "/openapi.json")).body] as Array<{ paths: Record<string, Record<string, unknown>> }>) {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) {
        const key = `${method.toUpperCase()} ${path}`;
        if (!named.has(key) && !text.includes(key)) missing.push(key);
      }
    }
  }
  assert.deepEqual([...new Set(missing)], [], "routes tradectl-api(7) does not document");
});

test("GET /docs/errors serves the API page with an element at every help_url anchor", async (t) => {
  const d = await startTestDaemon();
  defer(t, () => d.close());
  const res = await fetch(`${d.url}/docs/errors`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
  const html = await res.text();
  const bad = await d.post("/webhook", "not json", { "content-type": "text/plain" });
  const anchor = (bad.body.help_url as string).split("#")[1];
  assert.match(html, new RegExp(`id="${anchor}"`), "a real error's help_url lands on its section");
  for (const code of ERROR_CODES) assert.match(html, new RegExp(`<h3 id="${code.toLowerCase().replace(/_/g, "-")}">`));
});

test("package.json's man field lists every page in man/", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { man?: string[] };
  const pages = readdirSync(join(ROOT, "man")).filter((f) => /\.\d$/.test(f)).map((f) => `man/${f}`).sort();
  assert.deepEqual([...(pkg.man ?? [])].sort(), pages);
  for (const p of pages) assert.ok(existsSync(join(ROOT, p)));
});
