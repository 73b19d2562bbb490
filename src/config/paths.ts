/**
 * Where an instance keeps its files: one folder with TRADECTL_HOME/--home, XDG folders otherwise. The daemon writes
 * where it listens to a record in the state folder (`daemon.json`), and every CLI command reads it from there: a
 * cron job, which has no XDG_RUNTIME_DIR, finds a daemon whose socket is in the login's runtime folder (or in
 * systemd's RuntimeDirectory) all the same.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export interface InstancePaths {
  configDir: string;
  stateDir: string;
  configFile: string;
  dbFile: string;
  /** Where a daemon of this instance listens when it has no record saying otherwise. */
  socketPath: string;
  logsDir: string;
  lockFile: string;
  /** The running daemon's record: its pid, socket and webhook URL (mode 0600). */
  recordFile: string;
  /** Generated webhook passphrase (paper mode without WEBHOOK_SECRET), mode 0600. */
  passphraseFile: string;
}

export function resolvePaths(home: string | undefined, env: NodeJS.ProcessEnv = process.env): InstancePaths {
  const dir = home ?? env.TRADECTL_HOME;
  if (dir) {
    return {
      configDir: dir,
      stateDir: dir,
      configFile: join(dir, "config.json"),
      dbFile: join(dir, "tradectl.db"),
      socketPath: join(dir, "tradectl.sock"),
      logsDir: join(dir, "logs"),
      lockFile: join(dir, "daemon.pid"),
      recordFile: join(dir, "daemon.json"),
      passphraseFile: join(dir, "webhook-passphrase"),
    };
  }
  const configDir = join(env.XDG_CONFIG_HOME || join(homedir(), ".config"), "tradectl");
  const stateDir = join(env.XDG_STATE_HOME || join(homedir(), ".local", "state"), "tradectl");
  return {
    configDir,
    stateDir,
    configFile: join(configDir, "config.json"),
    dbFile: join(stateDir, "tradectl.db"),
    socketPath: env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, "tradectl.sock") : join(stateDir, "tradectl.sock"),
    logsDir: join(stateDir, "logs"),
    lockFile: join(stateDir, "daemon.pid"),
    recordFile: join(stateDir, "daemon.json"),
    passphraseFile: join(stateDir, "webhook-passphrase"),
  };
}

/** Where the daemon listens: systemd's RuntimeDirectory (RUNTIME_DIRECTORY) when it runs as a service, else the default. */
export function daemonSocketPath(paths: InstancePaths, env: NodeJS.ProcessEnv = process.env): string {
  const runtime = env.RUNTIME_DIRECTORY?.split(":")[0];
  return runtime ? join(runtime, "tradectl.sock") : paths.socketPath;
}

export interface DaemonRecord {
  pid: number;
  socket: string;
  webhook_url: string;
  started_at: string;
  version: string;
}

export function writeDaemonRecord(paths: InstancePaths, record: DaemonRecord): void {
  const tmp = `${paths.recordFile}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, paths.recordFile);
}

export function readDaemonRecord(paths: InstancePaths): DaemonRecord | null {
  try {
    const r = JSON.parse(readFileSync(paths.recordFile, "utf8")) as Partial<DaemonRecord>;
    return typeof r.socket === "string" && r.socket ? (r as DaemonRecord) : null;
  } catch {
    return null;
  }
}

/** Removes the record if it is still this process's (a newer daemon may have replaced it). */
export function removeDaemonRecord(paths: InstancePaths, pid = process.pid): void {
  if (readDaemonRecord(paths)?.pid === pid) rmSync(paths.recordFile, { force: true });
}

/** The socket a CLI command talks to: the one the daemon recorded, else where this instance's daemon would listen. */
export function cliSocketPath(paths: InstancePaths): string {
  return readDaemonRecord(paths)?.socket ?? paths.socketPath;
}
