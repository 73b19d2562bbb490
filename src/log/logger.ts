/** winston: JSON lines to logs/ (a file per UTC day; access 90 days, errors 1 year) and a readable console line, everything redacted. */
import winston from "winston";
import { DailyFile } from "./daily-file.js";
import { DailyFileTransport } from "./daily-file-transport.js";
import { Redactor } from "./redact.js";
import { settleWithin } from "../domain/settle-within.js";

export interface Logger {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
  /** One line per HTTP request (no body), kept in its own file. */
  access(meta: Record<string, unknown>): void;
  /** The lowest level written from now on (a config reload's `log.level`). */
  setLevel(level: string): void;
  close(): Promise<void>;
}

export interface LoggerOptions {
  level: string;
  logsDir?: string;
  console?: boolean;
  redactor: Redactor;
}

export function createLogger(opts: LoggerOptions): Logger {
  const redactFormat = winston.format((info) => {
    const clean = opts.redactor.redact({ ...info });
    for (const k of Object.keys(info)) delete (info as Record<string, unknown>)[k];
    Object.assign(info, clean);
    return info;
  });
  // Redaction runs once per record, in the logger; each transport only lays the clean record out.
  const fileFormat = winston.format.combine(winston.format.timestamp(), winston.format.json());
  const transports: winston.transport[] = [];
  if (opts.console !== false) {
    transports.push(
      new winston.transports.Console({
        stderrLevels: ["error", "warn"],
        format: winston.format.combine(
          winston.format.timestamp(),
          winston.format.printf(({ timestamp, level, message, ...rest }) => {
            const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : "";
            return `${String(timestamp)} ${level.padEnd(5)} ${String(message)}${extra}`;
          }),
        ),
      }),
    );
  }
  const files: DailyFileTransport[] = [];
  if (opts.logsDir) {
    files.push(
      new DailyFileTransport(opts.logsDir, { name: "tradectl", keepDays: 90, format: fileFormat }),
      // Errors are rare and may come just before the process ends: each is appended before the call returns.
      new DailyFileTransport(opts.logsDir, { name: "error", keepDays: 365, level: "error", sync: true, format: fileFormat }),
    );
    transports.push(...files);
  }
  const main = winston.createLogger({ level: opts.level, transports, format: redactFormat(), exitOnError: false });
  // Requests skip winston: no bodies, no query strings, only fields the server sets; the one free-text field (the
  // user agent) is masked for known secret values.
  const access = opts.logsDir ? new DailyFile(opts.logsDir, { name: "access", keepDays: 90 }) : undefined;
  const accessLine = (meta: Record<string, unknown>) => JSON.stringify({ time: new Date().toISOString(), ...meta });
  let open = true;
  // A line logged after close (a late timer or reply during shutdown) would be a "write after end" error thrown
  // from winston's stream: warnings and errors go to stderr instead, redacted; the rest is dropped.
  const line = (level: "error" | "warn" | "info" | "debug") => (m: string, meta?: Record<string, unknown>) => {
    if (open) main[level](m, meta);
    else if (level === "error" || level === "warn") process.stderr.write(`tradectl: ${level}: ${opts.redactor.redactString(m)}\n`);
  };
  return {
    error: line("error"),
    warn: line("warn"),
    info: line("info"),
    debug: line("debug"),
    setLevel: (level) => {
      main.level = level;
    },
    access: (meta) => access?.writeLine(accessLine(typeof meta.user_agent === "string" ? { ...meta, user_agent: opts.redactor.redactString(meta.user_agent) } : meta)),
    close: async () => {
      // Close the access log; end the logger (passing what it holds to its transports), then close their files.
      if (!open) return;
      open = false;
      await access?.close();
      const ended = new Promise<void>((res) => main.once("finish", () => res()));
      main.end();
      await settleWithin(ended, 1000);
      await Promise.all(files.map((t) => t.closeFile()));
    },
  };
}
