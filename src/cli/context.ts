/** What every command gets: the instance paths (from --home / TRADECTL_HOME / XDG) and a socket client. */
import { resolvePaths, type InstancePaths } from "../config/paths.js";
import { socketClient, type SocketClient } from "./socket-client.js";

export interface GlobalOptions {
  home?: string;
  json?: boolean;
}

export interface CommandContext {
  paths: InstancePaths;
  json: boolean;
  client: SocketClient;
}

export function makeContext(opts: GlobalOptions): CommandContext {
  const paths = resolvePaths(opts.home);
  return { paths, json: opts.json === true, client: socketClient(paths.socketPath) };
}
