/** Where an instance keeps its files: one folder with TRADECTL_HOME/--home, XDG folders otherwise. */
import { homedir } from "node:os";
import { join } from "node:path";

export interface InstancePaths {
  configDir: string;
  stateDir: string;
  configFile: string;
  dbFile: string;
  socketPath: string;
  logsDir: string;
  lockFile: string;
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
    passphraseFile: join(stateDir, "webhook-passphrase"),
  };
}
