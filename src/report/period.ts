/**
 * The period of a report as JST calendar days (the trading days of TSE instruments, and of the order ids):
 * a day, the Monday-to-Sunday week or the month containing a date, or a range of days, both ends included.
 */
import { TradectlError } from "../domain/errors.js";
import { JST_OFFSET_MS, jstParts } from "../domain/jst.js";

export type PeriodKind = "day" | "week" | "month" | "range";

export interface Period {
  kind: PeriodKind;
  from: string;
  to: string;
  start: number;
  end: number;
  /** Every JST calendar day of the period, YYYY-MM-DD. */
  days: string[];
}

const DAY_MS = 86_400_000;
const MAX_DAYS = 3660;

/** Unix ms of JST midnight starting YYYY-MM-DD; throws a usage error for anything but a real date. */
export function jstDayStartOf(date: string, what = "date"): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  if (!m || Number.isNaN(ms) || new Date(ms).getUTCDate() !== Number(m[3])) {
    throw new TradectlError("USAGE", `${what} must be a day as YYYY-MM-DD (JST), today or yesterday; got ${date}`);
  }
  return ms - JST_OFFSET_MS;
}

export function isoDay(ms: number): string {
  const p = jstParts(ms);
  return `${p.year}-${String(p.month).padStart(2, "0")}-${String(p.day).padStart(2, "0")}`;
}

function dayOf(date: string, now: number, what: string): number {
  if (date === "today") return jstDayStartOf(isoDay(now));
  if (date === "yesterday") return jstDayStartOf(isoDay(now)) - DAY_MS;
  return jstDayStartOf(date, what);
}

export function resolvePeriod(o: { period: PeriodKind; date?: string; from?: string; to?: string }, now: number): Period {
  let start: number;
  let end: number;
  if (o.period === "range") {
    if (!o.from || !o.to) throw new TradectlError("USAGE", "--period range needs --from and --to (YYYY-MM-DD, both included)");
    start = dayOf(o.from, now, "--from");
    end = dayOf(o.to, now, "--to") + DAY_MS;
    if (end <= start) throw new TradectlError("USAGE", `--from ${o.from} is after --to ${o.to}`);
  } else {
    if (o.from || o.to) throw new TradectlError("USAGE", "--from and --to go with --period range; use --date with day, week or month");
    const day = dayOf(o.date ?? "today", now, "--date");
    const p = jstParts(day);
    if (o.period === "day") {
      start = day;
      end = day + DAY_MS;
    } else if (o.period === "week") {
      start = day - ((p.weekday + 6) % 7) * DAY_MS; // back to Monday
      end = start + 7 * DAY_MS;
    } else {
      start = Date.UTC(p.year, p.month - 1, 1) - JST_OFFSET_MS;
      end = Date.UTC(p.year, p.month, 1) - JST_OFFSET_MS;
    }
  }
  const days: string[] = [];
  for (let t = start; t < end; t += DAY_MS) days.push(isoDay(t));
  if (days.length > MAX_DAYS) throw new TradectlError("USAGE", `a report covers at most ${MAX_DAYS} days; this one has ${days.length}`);
  return { kind: o.period, from: days[0]!, to: days[days.length - 1]!, start, end, days };
}
