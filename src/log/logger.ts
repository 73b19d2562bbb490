/** winston: JSON lines to logs/ (rotated; access 90 days, errors 1 year) and a readable console line, everything redacted. */
import winston from "winston";
import DailyRotateFile from "winston-daily-rotate-file";
import { AccessLog } from "./access-log.js";
import { Redactor } from "./redact.js";
import { settleWithin } from "../domain/settle-within.js";

export interface Logger {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
  /** One line per HTTP request (no body), kept in its own file. */
  access(meta: Record<string, unknown>): void;
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
  if (opts.logsDir) {
    const rotate = (name: string, maxFiles: string, level?: string) =>
      new DailyRotateFile({
        dirname: opts.logsDir,
        filename: `${name}-%DATE%.log`,
        datePattern: "YYYY-MM-DD",
        maxFiles,
        ...(level ? { level } : {}),
        format: fileFormat,
      });
    transports.push(rotate("tradectl", "90d"), rotate("error", "365d", "error"));
  }
  const main = winston.createLogger({ level: opts.level, transports, format: redactFormat(), exitOnError: false });
  // Requests have a lean writer of their own: no bodies, no query strings, only fields the server sets; the one
  // free-text field (the user agent) is masked for known secret values.
  const access = opts.logsDir ? new AccessLog(opts.logsDir) : undefined;
  return {
    error: (m, meta) => main.error(m, meta),
    warn: (m, meta) => main.warn(m, meta),
    info: (m, meta) => main.info(m, meta),
    debug: (m, meta) => main.debug(m, meta),
    access: (meta) => access?.write(typeof meta.user_agent === "string" ? { ...meta, user_agent: opts.redactor.redactString(meta.user_agent) } : meta),
    close: async () => {
      // Flush the access log; end the logger (flushing what it holds to its transports), then close its files.
      await access?.close();
      const files = main.transports.filter((t): t is DailyRotateFile => t instanceof DailyRotateFile);
      const ended = new Promise<void>((res) => main.once("finish", () => res()));
      main.end();
      await settleWithin(ended, 1000);
      await Promise.all(
        files.map((t) => {
          const closed = new Promise<void>((res) => t.once("finish", () => res()));
          t.close?.();
          return settleWithin(closed, 1000);
        }),
      );
    },
  };
}
