/** The logging surface a feed needs; the daemon passes its winston logger (which redacts). */
export interface FeedLogger {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

export const silentLogger: FeedLogger = {
  info: () => {},
  warn: () => {},
  error: () => {},
};
