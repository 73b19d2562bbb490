/**
 * Broker time values to Unix ms. Accepts RFC 3339 strings (any number of fraction digits),
 * OANDA v20 "UNIX" strings ("1700000000.123456789", seconds with decimals), and numbers
 * (seconds when below 1e11, else ms). Returns null when the value is not a time.
 */
export function parseFeedTime(value: unknown): number | null {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) return null;
    return value < 1e11 ? Math.round(value * 1000) : Math.round(value);
  }
  if (typeof value !== "string" || value.length === 0) return null;
  const unix = /^(\d+)(?:\.(\d+))?$/.exec(value);
  if (unix) {
    const seconds = Number(unix[1]);
    const fraction = (unix[2] ?? "").padEnd(3, "0").slice(0, 3);
    const ms = seconds < 1e11 ? seconds * 1000 + Number(fraction) : seconds;
    return Number.isFinite(ms) ? ms : null;
  }
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}
