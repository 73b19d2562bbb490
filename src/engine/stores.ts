/**
 * Small store interfaces for the state that a hot-standby pair would share (DESIGN: "Beyond one machine").
 * The SQLite versions in src/store/ are the defaults; a Redis version can replace each one.
 */

export interface StoredResponse {
  status_code: number;
  response: unknown;
  signal_id: string | null;
}

export interface IdempotencyStore {
  /** The stored response for `key`, if it was recorded and has not expired at `now`. */
  get(key: string, now: number): StoredResponse | undefined;
  /**
   * Records (or replaces) the response for `key`, kept until `expiresAt`. `durable: false` may skip the wait for
   * the disk and be batched: for replacing an answer already stored durably (a 202 by the 200 that followed it).
   */
  put(key: string, value: StoredResponse, now: number, expiresAt: number, opts?: { durable?: boolean }): void;
  purgeExpired(now: number): number;
}

export interface StateStore {
  get<T>(key: string): T | undefined;
  set(key: string, value: unknown, now: number): void;
  delete(key: string): void;
}
