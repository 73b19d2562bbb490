/** What every command gets: the instance paths (from --home / TRADECTL_HOME / XDG), the daemon's socket and a client for it. */
import { cliSocketPath, resolvePaths, type InstancePaths } from "../config/paths.js";
import { socketClient, type SocketClient } from "./socket-client.js";

export interface GlobalOptions {
  home?: string;
  json?: boolean;
}

export interface CommandContext {
  paths: InstancePaths;
  /** The socket named in the daemon's record in the state folder, else the instance's default socket path. */
  socketPath: string;
  json: boolean;
  client: SocketClient;
}

export function makeContext(opts: GlobalOptions): CommandContext {
  const paths = resolvePaths(opts.home);
  const socketPath = cliSocketPath(paths);
  return { paths, socketPath, json: opts.json === true, client: socketClient(socketPath) };
}
