/**
 * IP allowlist (seed 3.4) with CIDR ranges via net.BlockList; modes off | warning | strict.
 * The source is the socket's address, or X-Forwarded-For only when webhook.trustProxy is on (fastify's trustProxy).
 */
import { BlockList, isIPv4, isIPv6 } from "node:net";
import type { FastifyRequest } from "fastify";
import { TradectlError } from "../domain/errors.js";
import type { ApiDeps } from "./deps.js";

export function buildBlockList(entries: string[]): BlockList {
  const list = new BlockList();
  for (const raw of entries) {
    const [addr, bits] = raw.split("/");
    const type = isIPv6(addr ?? "") ? "ipv6" : "ipv4";
    if (!addr || !(isIPv4(addr) || isIPv6(addr))) throw new TradectlError("CONFIG_INVALID", `invalid allowlist entry: ${raw}`);
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
  }
  return list;
}

export function ipAllowlistHook(deps: ApiDeps) {
  let cachedKey = "";
  let cached = new BlockList();
  return async (req: FastifyRequest): Promise<void> => {
    const { mode, allow } = deps.config().webhook.ipAllowlist;
    if (mode === "off") return;
    const key = allow.join(",");
    if (key !== cachedKey) {
      cached = buildBlockList(allow);
      cachedKey = key;
    }
    const ip = req.ip.startsWith("::ffff:") ? req.ip.slice(7) : req.ip;
    const allowed = cached.check(ip, isIPv6(ip) ? "ipv6" : "ipv4");
    if (allowed) return;
    if (mode === "strict") {
      deps.logger.warn("request refused: source IP not in the allowlist", { request_id: req.id, source_ip: ip, path: req.url.split("?")[0] });
      throw new TradectlError("IP_NOT_ALLOWED", "IP address not allowed", { details: { source_ip: ip } });
    }
    deps.logger.warn("request from an IP not in the allowlist", { request_id: req.id, source_ip: ip, path: req.url.split("?")[0] });
  };
}
