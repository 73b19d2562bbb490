/**
 * Broker time values to Unix ms. Accepts RFC 3339 strings (any number of fraction digits),
 * OANDA v20 "UNIX" strings ("1700000000.123456789", seconds with decimals), and numbers
 * (seconds when below 1e11, else ms). Returns null when the value is not a time.
 */
export function parseFeedTime(value: unknown): number | null {
  // Ticks in one burst usually share their time string: the last answer is reused.
  if (typeof value === "string" && value === lastText) return lastMs;
  const ms = parseFeedTimeUncached(value);
  if (typeof value === "string") {
    lastText = value;
    lastMs = ms;
  }
  return ms;
}

let lastText: string | null = null;
let lastMs: number | null = null;

function parseFeedTimeUncached(value: unknown): number | null {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) return null;
    return value < 1e11 ? Math.round(value * 1000) : Math.round(value);
  }
  if (typeof value !== "string" || value.length === 0) return null;
  const fast = parseRfc3339(value);
  if (fast !== null) return fast;
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

function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * Hot path for stream ticks: "YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM)" without regex or Date.parse.
 * Returns null for anything else (the caller falls back to the general parsers).
 */
function parseRfc3339(s: string): number | null {
  if (s.length < 20 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return null;
  const t = s.charCodeAt(10);
  if (t !== 84 && t !== 116 && t !== 32) return null;
  const y = digits(s, 0, 4);
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  const h = digits(s, 11, 2);
  const mi = digits(s, 14, 2);
  const se = digits(s, 17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60) return null;
  let i = 19;
  let ms = 0;
  if (s.charCodeAt(i) === 46) {
    i++;
    let n = 0;
    while (i < s.length) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      if (n < 3) ms = ms * 10 + c;
      n++;
      i++;
    }
    if (n === 0) return null;
    for (; n < 3; n++) ms *= 10;
  }
  let offsetMin = 0;
  const z = s.charCodeAt(i);
  if (z === 90 || z === 122) {
    i++;
  } else if (z === 43 || z === 45) {
    const oh = digits(s, i + 1, 2);
    const om = digits(s, i + 4, 2);
    if (oh < 0 || om < 0 || s.charCodeAt(i + 3) !== 58) return null;
    offsetMin = (oh * 60 + om) * (z === 43 ? 1 : -1);
    i += 6;
  } else {
    return null;
  }
  if (i !== s.length) return null;
  const v = Date.UTC(y, mo - 1, d, h, mi, se, ms) - offsetMin * 60_000;
  return Number.isFinite(v) ? v : null;
}
