/**
 * The kill switch of a pair: a key (so it survives both daemons restarting) and a pub/sub channel (so a change
 * reaches the other daemon at once). A change here is written and announced before the kill request is answered;
 * a change announced by the other daemon is adopted when it is later than this one's. While Redis is unreachable a
 * change here still holds here, and is written when Redis is back (the later change winning).
 */
import type { Redis } from "ioredis";
import type { KillSwitch, KillSwitchState } from "../engine/kill-switch.js";
import type { RedisLink } from "./connection.js";
import type { PairKeys } from "./keys.js";

export interface KillSyncOptions {
  link: RedisLink;
  keys: PairKeys;
  killSwitch: KillSwitch;
  now: () => number;
  /** A change made on the other daemon was adopted here. */
  onAdopted: (s: KillSwitchState) => void;
  logger: { warn(msg: string, meta?: Record<string, unknown>): void };
}

/** Only a later change replaces the stored one (two daemons writing at once: the later wins everywhere). */
const WRITE = `
local v = redis.call('GET', KEYS[1])
if v then
  local at = tonumber(string.match(v, '"changed_at":(%d+)'))
  if at and at > tonumber(ARGV[2]) then return v end
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('PUBLISH', KEYS[2], ARGV[1])
return ARGV[1]
`;

export class KillSync {
  private sub: Redis | null = null;
  private unsent: KillSwitchState | null = null;

  constructor(private readonly o: KillSyncOptions) {}

  start(): void {
    this.o.killSwitch.share = (s) => this.write(s);
    this.sub = this.o.link.connection("kill-switch", { enableOfflineQueue: true });
    this.sub.on("message", (_channel: string, message: string) => this.adopt(message));
    this.sub.on("ready", () => void this.sub!.subscribe(this.o.keys.killChannel).catch(() => undefined));
    this.o.link.onReady(() => void this.resync());
  }

  async stop(): Promise<void> {
    this.o.killSwitch.share = null;
    this.sub?.disconnect();
  }

  /** Written and announced; throws when Redis cannot take it (it is sent again once Redis is back). */
  private async write(s: KillSwitchState): Promise<void> {
    this.unsent = s;
    const stored = (await this.o.link.cmd.eval(WRITE, 2, this.o.keys.kill, this.o.keys.killChannel, JSON.stringify(s), s.changed_at ?? 0)) as string;
    this.unsent = null;
    this.adopt(stored);
  }

  /** On (re)connect: the stored state, or this daemon's change made while Redis was away if that is later. */
  private async resync(): Promise<void> {
    try {
      if (this.unsent) return await this.write(this.unsent);
      const stored = await this.o.link.cmd.get(this.o.keys.kill);
      if (stored) this.adopt(stored);
      else if (this.o.killSwitch.get().changed_at !== null) await this.write(this.o.killSwitch.get());
    } catch (err) {
      this.o.logger.warn("pair: the kill switch could not be synchronised with Redis; will retry on reconnect", { error: (err as Error).message });
    }
  }

  private adopt(json: string): void {
    try {
      const s = JSON.parse(json) as KillSwitchState;
      if (this.o.killSwitch.adopt(s, this.o.now())) this.o.onAdopted(s);
    } catch {
      // not a state: ignored
    }
  }
}
