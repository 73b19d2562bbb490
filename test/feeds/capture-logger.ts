import type { FeedLogger } from "../../src/feeds/logger.js";

export class CaptureLogger implements FeedLogger {
  lines: { level: string; message: string; meta?: Record<string, unknown> }[] = [];
  info = (message: string, meta?: Record<string, unknown>): void => void this.lines.push({ level: "info", message, ...(meta ? { meta } : {}) });
  warn = (message: string, meta?: Record<string, unknown>): void => void this.lines.push({ level: "warn", message, ...(meta ? { meta } : {}) });
  error = (message: string, meta?: Record<string, unknown>): void => void this.lines.push({ level: "error", message, ...(meta ? { meta } : {}) });
  text(): string {
    return this.lines.map((l) => `${l.level} ${l.message} ${JSON.stringify(l.meta ?? {})}`).join("\n");
  }
}
