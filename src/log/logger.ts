/** winston: JSON lines to logs/ (rotated; access 90 days, errors 1 year) and a readable console line, everything redacted. */
import winston from "winston";
import DailyRotateFile from "winston-daily-rotate-file";
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
  const fileFormat = winston.format.combine(redactFormat(), winston.format.timestamp(), winston.format.json());
  const transports: winston.transport[] = [];
  if (opts.console !== false) {
    transports.push(
      new winston.transports.Console({
        stderrLevels: ["error", "warn"],
        format: winston.format.combine(
          redactFormat(),
          winston.format.timestamp(),
          winston.format.printf(({ timestamp, level, message, ...rest }) => {
            const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : "";
            return `${String(timestamp)} ${level.padEnd(5)} ${String(message)}${extra}`;
          }),
        ),
      }),
    );
  }
  const accessTransports: winston.transport[] = [];
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
    // The access log carries no bodies and no query strings, only fields the server sets: it skips the deep
    // redaction walk (a cost on every request) and masks known secret values in the one free-text field it has.
    accessTransports.push(
      new DailyRotateFile({ dirname: opts.logsDir, filename: "access-%DATE%.log", datePattern: "YYYY-MM-DD", maxFiles: "90d", format: winston.format.combine(winston.format.timestamp(), winston.format.json()) }),
    );
  }
  const main = winston.createLogger({ level: opts.level, transports, format: fileFormat, exitOnError: false });
  const access = accessTransports.length
    ? winston.createLogger({ level: "info", transports: accessTransports, format: fileFormat })
    : undefined;
  return {
    error: (m, meta) => main.error(m, meta),
    warn: (m, meta) => main.warn(m, meta),
    info: (m, meta) => main.info(m, meta),
    debug: (m, meta) => main.debug(m, meta),
    access: (meta) => access?.info("request", typeof meta.user_agent === "string" ? { ...meta, user_agent: opts.redactor.redactString(meta.user_agent) } : meta),
    close: async () => {
      // End each logger (flushing what it holds to its transports), then close the files behind them.
      for (const l of [main, access]) {
        if (!l) continue;
        const files = l.transports.filter((t): t is DailyRotateFile => t instanceof DailyRotateFile);
        const ended = new Promise<void>((res) => l.once("finish", () => res()));
        l.end();
        await settleWithin(ended, 1000);
        await Promise.all(
          files.map((t) => {
            const closed = new Promise<void>((res) => t.once("finish", () => res()));
            t.close?.();
            return settleWithin(closed, 1000);
          }),
        );
      }
    },
  };
}
