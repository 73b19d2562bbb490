/**
 * The doctor's checks of this machine: Node, the home folder and its files' permissions, config, secrets (present
 * and well-formed, never printed), the TLS certificate and what the webhook port exposes.
 */
import { X509Certificate, createPrivateKey } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { isIP } from "node:net";
import type { InstancePaths } from "../../config/paths.js";
import { readSecret, type SecretName } from "../../config/secrets.js";
import type { TradectlConfig } from "../../config/types.js";
import { fail, ok, warn, type CheckResult } from "./check.js";

const MIN_NODE = 24;
const MIN_SECRET = 20;
const BCRYPT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;
const DAY_MS = 86_400_000;

export function checkNode(version = process.versions.node): CheckResult {
  const major = Number(version.split(".")[0]);
  return major >= MIN_NODE ? ok("node", `v${version}`) : fail("node", `v${version} is too old (node:sqlite needs ${MIN_NODE} or newer)`, `install Node.js ${MIN_NODE} LTS`);
}

/** The home folders are the owner's alone (0700), as are the files in them (0600), and they belong to this user. */
export function checkPermissions(paths: InstancePaths): CheckResult[] {
  const uid = process.getuid?.();
  const dirs = [...new Set([paths.configDir, paths.stateDir])];
  const out: CheckResult[] = [];
  const missing = dirs.filter((d) => !existsSync(d));
  if (missing.length === dirs.length) return [warn("home", `${dirs.join(", ")} not created yet`, "`tradectl config set …` or `tradectl daemon` creates it (0700)")];
  const loose: string[] = [];
  const foreign: string[] = [];
  const look = (file: string, mode: number) => {
    if (!existsSync(file)) return;
    const st = statSync(file);
    if ((st.mode & 0o777 & ~mode) !== 0) loose.push(`${file} is ${(st.mode & 0o777).toString(8).padStart(4, "0")}`);
    if (uid !== undefined && uid !== 0 && st.uid !== uid) foreign.push(file);
  };
  for (const d of dirs) look(d, 0o700);
  out.push(loose.length ? fail("home", loose.join("; "), `chmod 700 ${dirs.join(" ")}`) : ok("home", `${dirs.join(", ")} (0700)`));
  const loose0 = loose.length;
  for (const f of [paths.configFile, paths.dbFile, `${paths.dbFile}-wal`, `${paths.dbFile}-shm`, paths.passphraseFile, paths.recordFile, paths.socketPath]) look(f, 0o600);
  const files = loose.slice(loose0);
  if (files.length) out.push(fail("files", files.join("; "), "chmod 600 on each (the journal and the passphrase are the owner's alone)"));
  else if (foreign.length) out.push(warn("files", `owned by another user: ${foreign.join(", ")}`, "run tradectl as the daemon's user (sudo -u tradectl tradectl …)"));
  else out.push(ok("files", "config, journal, passphrase and socket 0600"));
  return out;
}

/**
 * Secrets are looked for in this shell's environment. Under systemd the daemon gets them from LoadCredential=,
 * which a login shell does not have: when the daemon runs, a secret missing here is a warning, not a failure.
 */
export function checkSecrets(config: TradectlConfig, paths: InstancePaths, daemonRunning: boolean, env: NodeJS.ProcessEnv = process.env): CheckResult[] {
  const live = config.broker.kind === "mt5";
  const needsOanda = config.feeds.some((f) => f.kind.startsWith("oanda"));
  const needsBridge = live || config.feeds.some((f) => f.kind === "sse");
  const out: CheckResult[] = [];
  const read = (name: SecretName): { value?: string; error?: string } => {
    try {
      return { value: readSecret(name, env) };
    } catch (err) {
      return { error: (err as Error).message };
    }
  };
  const absent = (name: SecretName, why: string, hint: string) =>
    daemonRunning ? warn(name, `not in this shell's environment (${why}); the running daemon may have it from systemd credentials`, hint) : fail(name, `missing (${why})`, hint);

  const secret = read("WEBHOOK_SECRET");
  if (secret.error) out.push(fail("WEBHOOK_SECRET", secret.error, "fix the path in WEBHOOK_SECRET_FILE"));
  else if (secret.value) out.push(secret.value.length >= MIN_SECRET ? ok("WEBHOOK_SECRET", `set (${secret.value.length} characters)`) : fail("WEBHOOK_SECRET", `too short: ${secret.value.length} characters, at least ${MIN_SECRET}`, "openssl rand -base64 32"));
  else if (live) out.push(absent("WEBHOOK_SECRET", "live mode needs it", "set WEBHOOK_SECRET or WEBHOOK_SECRET_FILE (at least 20 characters)"));
  else out.push(ok("WEBHOOK_SECRET", existsSync(paths.passphraseFile) ? `paper mode: generated passphrase in ${paths.passphraseFile}` : "not in this environment (paper mode: the daemon generates one unless its own environment has it)"));

  const hash = read("ADMIN_PASSWORD_HASH");
  if (hash.error) out.push(fail("ADMIN_PASSWORD_HASH", hash.error, "fix the path in ADMIN_PASSWORD_HASH_FILE"));
  else if (hash.value) out.push(BCRYPT.test(hash.value) ? ok("ADMIN_PASSWORD_HASH", "a bcrypt hash") : fail("ADMIN_PASSWORD_HASH", "set, but not a bcrypt hash", "make one with `tradectl hash-password`"));
  else if (live) out.push(absent("ADMIN_PASSWORD_HASH", "live mode needs it", "tradectl hash-password, then set ADMIN_PASSWORD_HASH"));
  else out.push(ok("ADMIN_PASSWORD_HASH", "not in this environment (paper mode: without it the admin routes on the public port stay closed)"));

  for (const [name, needed, why] of [
    ["OANDA_TOKEN", needsOanda, "an oanda feed is configured"],
    ["MT5_BRIDGE_TOKEN", needsBridge, "the MT5 bridge needs it"],
  ] as Array<[SecretName, boolean, string]>) {
    if (!needed) continue;
    const s = read(name);
    if (s.error) out.push(fail(name, s.error, `fix the path in ${name}_FILE`));
    else out.push(s.value ? ok(name, "set") : absent(name, why, `set ${name} or ${name}_FILE`));
  }
  return out;
}

export function checkTls(config: TradectlConfig, now = Date.now()): CheckResult {
  const { cert, key } = config.webhook.tls;
  if (!cert && !key) return ok("tls", "none configured (plain HTTP: keep the port on loopback behind a TLS proxy)");
  if (!cert || !key) return fail("tls", `webhook.tls.${cert ? "key" : "cert"} is not set`, "set both webhook.tls.cert and webhook.tls.key");
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(readFileSync(cert));
  } catch (err) {
    return fail("tls", `cannot read the certificate ${cert}: ${(err as Error).message}`, "check the path and that the daemon's user may read it");
  }
  try {
    if (!x509.checkPrivateKey(createPrivateKey(readFileSync(key)))) return fail("tls", `${key} is not the key of ${cert}`, "point webhook.tls.key at the certificate's own key");
  } catch (err) {
    return fail("tls", `cannot read the key ${key}: ${(err as Error).message}`, "check the path and that the daemon's user may read it");
  }
  const left = Date.parse(x509.validTo) - now;
  const subject = x509.subject.replace(/\n/g, ", ");
  if (left <= 0) return fail("tls", `${subject}: expired ${x509.validTo}`, "renew it (certbot renew), then `systemctl reload tradectl` (SIGHUP)");
  if (left < 14 * DAY_MS) return warn("tls", `${subject}: expires in ${Math.floor(left / DAY_MS)} days (${x509.validTo})`, "renew it, then SIGHUP the daemon");
  return ok("tls", `${subject}, expires in ${Math.floor(left / DAY_MS)} days`);
}

const LOOPBACK = (host: string) => host === "localhost" || host === "::1" || (isIP(host) === 4 && host.startsWith("127."));

/** What the webhook port shows the world: a public bind needs TLS and the allowlist; a proxy needs loopback. */
export function checkExposure(config: TradectlConfig): CheckResult {
  const w = config.webhook;
  if (LOOPBACK(w.host)) return ok("exposure", `webhook on ${w.host}:${w.port}, loopback only${w.trustProxy ? " (behind a proxy: X-Forwarded-For trusted)" : ""}`);
  const gaps = [!w.tls.cert ? "no TLS (alerts and the passphrase travel in clear)" : null, w.ipAllowlist.mode === "off" ? "no IP allowlist" : null, w.trustProxy ? "X-Forwarded-For trusted on a public port (anyone can claim to be TradingView)" : null].filter((g): g is string => g !== null);
  if (gaps.length) return warn("exposure", `webhook public on ${w.host}:${w.port}: ${gaps.join("; ")}`, "put Caddy in front (scripts/deploy/Caddyfile) and bind 127.0.0.1, or set webhook.tls.* and webhook.ipAllowlist.mode strict");
  return ok("exposure", `webhook public on ${w.host}:${w.port} with TLS and the ${w.ipAllowlist.mode} allowlist`);
}
