/**
 * An alert's point in time → Unix ms. Accepted: Unix milliseconds as a string of digits (the
 * seed's form) or as an integer, and ISO-8601 date-times with a zone ("2025-12-27T01:30:45Z",
 * "...+09:00", "...+0900", optional fraction), which is what TradingView's {{timenow}} gives.
 * A date-time without a zone is refused: whose local time would it be? So is an instant a Date cannot hold
 * (beyond ±8.64e15 ms, year 275760): a digit string or integer up to 2^53 parses as a number, but every later
 * step that writes it as a date (the /webhook/test report, the event's expires_at) would throw.
 */
import { MAX_INSTANT_MS } from "./schemas.js";

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:(Z)|([+-])(\d{2}):?(\d{2}))$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Unix ms, or null when `value` is none of the accepted forms (or not a real date). */
export function parseInstant(value: unknown): number | null {
  if (typeof value === "number") {
    return Number.isSafeInteger(value) && value >= 0 && value <= MAX_INSTANT_MS ? value : null;
  }
  if (typeof value !== "string") return null;
  if (/^\d{1,16}$/.test(value)) {
    const n = Number(value);
    return n <= MAX_INSTANT_MS ? n : null;
  }
  const m = ISO.exec(value);
  if (m === null) return null;
  const [, ys, mos, ds, hs, mis, ss, frac, z, sign, ohs, oms] = m;
  const year = Number(ys);
  const month = Number(mos);
  const day = Number(ds);
  const hour = Number(hs);
  const minute = Number(mis);
  const second = ss === undefined ? 0 : Number(ss);
  const ms = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, "0"));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let offsetMin = 0;
  if (z === undefined) {
    const oh = Number(ohs);
    const om = Number(oms);
    if (oh > 14 || om > 59) return null;
    offsetMin = (sign === "-" ? -1 : 1) * (oh * 60 + om);
  }
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, ms);
  return d.getTime() - offsetMin * 60_000;
}
