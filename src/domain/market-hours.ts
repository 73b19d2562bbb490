/**
 * Trading calendars: when may an order be sent?
 *
 * - `tse`: Tokyo Stock Exchange cash equities. Sessions 09:00–11:30 and 12:30–15:30 JST (the
 *   afternoon close moved from 15:00 to 15:30 on 2024-11-05, with a closing auction at 15:30).
 *   Sessions are half-open intervals: 11:29:59.999 is open, 11:30:00 is closed, because an order
 *   that arrives at the close can no longer take part in that session's closing auction.
 *   Exchange days: Monday–Friday, not a Japanese national holiday (including substitute and
 *   citizens' holidays, from @holiday-jp/holiday_jp, whose table runs to 2050), and not the
 *   year-end closure Dec 31 – Jan 3. Unscheduled closures (system outages) cannot be known here.
 * - `fx`: the interbank week, Sunday 17:00 to Friday 17:00 New York time. That is Monday 07:00 to
 *   Saturday 07:00 JST in northern winter and Monday 06:00 to Saturday 06:00 JST while the US is on
 *   daylight saving time (second Sunday of March to first Sunday of November, computed here, no
 *   time-zone database needed). Broker-specific holiday closures (Dec 25, Jan 1) are not modelled.
 * - `always`: open at every instant (tests, crypto, paper experiments).
 *
 * Pure: every function takes the instant as Unix ms.
 */
import holidayJp from "@holiday-jp/holiday_jp";
import { jstDayStart, jstParts } from "./jst.js";
import { TradectlError } from "./errors.js";

export type MarketCalendar = "tse" | "fx" | "always";

export type MarketReason =
  | "open" // within a session
  | "before_open" // an exchange day, before the morning session
  | "lunch_break" // TSE, 11:30–12:30
  | "after_close" // an exchange day, after the afternoon session
  | "weekend"
  | "holiday"
  | "year_end"; // TSE, Dec 31 – Jan 3

export interface MarketStatus {
  calendar: MarketCalendar;
  open: boolean;
  reason: MarketReason;
  /** Name of the holiday when `reason` is "holiday" (English, e.g. "Coming of Age Day"). */
  holiday?: string;
  /** One line for people, e.g. "10:30 JST, within trading hours". */
  label: string;
  /** When the market next opens (`ms` itself while open); null for `always`. */
  next_open: number | null;
  /** When the current session ends (null while closed, and for `always`). */
  next_close: number | null;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** TSE sessions as [start, end) minutes after JST midnight. */
export const TSE_SESSIONS: ReadonlyArray<readonly [number, number]> = [
  [9 * 60, 11 * 60 + 30],
  [12 * 60 + 30, 15 * 60 + 30],
];

const WEEKDAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;

interface HolidayEntry {
  name_en: string;
}
const HOLIDAYS = holidayJp.holidays as unknown as Record<string, HolidayEntry | undefined>;

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

/** "YYYY-MM-DD" of the JST calendar day containing `ms`. */
function jstIsoDate(ms: number): string {
  const p = jstParts(ms);
  return `${p.year}-${pad2(p.month)}-${pad2(p.day)}`;
}

/** "HH:MM" JST. */
export function jstClock(ms: number): string {
  const p = jstParts(ms);
  return `${pad2(p.hour)}:${pad2(p.minute)}`;
}

/** "YYYY-MM-DD (Ddd) HH:MM JST". */
export function jstStamp(ms: number): string {
  const p = jstParts(ms);
  return `${jstIsoDate(ms)} (${WEEKDAY_NAMES[p.weekday] ?? "?"}) ${pad2(p.hour)}:${pad2(p.minute)} JST`;
}

/** English name of the Japanese national holiday on the JST day of `ms`, or null. */
export function japaneseHolidayName(ms: number): string | null {
  return HOLIDAYS[jstIsoDate(ms)]?.name_en ?? null;
}

/** Why the TSE is closed all day on the JST day of `ms`, or null when it is an exchange day. */
function tseClosedDayReason(ms: number): { reason: MarketReason; holiday?: string } | null {
  const p = jstParts(ms);
  if (p.weekday === 0 || p.weekday === 6) return { reason: "weekend" };
  if ((p.month === 12 && p.day === 31) || (p.month === 1 && p.day <= 3)) return { reason: "year_end" };
  const holiday = japaneseHolidayName(ms);
  if (holiday !== null) return { reason: "holiday", holiday };
  return null;
}

/** True when the JST day containing `ms` is a TSE exchange day. */
export function isTseTradingDay(ms: number): boolean {
  return tseClosedDayReason(ms) === null;
}

/** 09:00 JST of the first exchange day strictly after the JST day of `ms`. */
function nextTseDayOpen(ms: number): number {
  let day = jstDayStart(ms) + DAY;
  // The longest closure (Golden Week or year-end plus a weekend) is well under 20 days.
  for (let i = 0; i < 30; i++, day += DAY) {
    if (isTseTradingDay(day)) return day + (TSE_SESSIONS[0]?.[0] ?? 0) * MINUTE;
  }
  throw new TradectlError("INTERNAL_ERROR", `no TSE exchange day within 30 days after ${new Date(ms).toISOString()}`);
}

function tseStatus(ms: number): MarketStatus {
  const closedDay = tseClosedDayReason(ms);
  if (closedDay !== null) {
    const what =
      closedDay.reason === "holiday"
        ? `holiday (${closedDay.holiday ?? "national holiday"})`
        : closedDay.reason === "year_end"
          ? "year-end closure"
          : "weekend";
    return {
      calendar: "tse",
      open: false,
      ...closedDay,
      label: `${jstStamp(ms)}, ${what}`,
      next_open: nextTseDayOpen(ms),
      next_close: null,
    };
  }
  const dayStart = jstDayStart(ms);
  const minuteOfDay = (ms - dayStart) / MINUTE; // fractional: the boundaries are exact instants
  const clock = `${jstClock(ms)} JST`;
  for (const [i, session] of TSE_SESSIONS.entries()) {
    const [start, end] = session;
    if (minuteOfDay < start) {
      return {
        calendar: "tse",
        open: false,
        reason: i === 0 ? "before_open" : "lunch_break",
        label: `${clock}, ${i === 0 ? "before the morning session" : "lunch break"}`,
        next_open: dayStart + start * MINUTE,
        next_close: null,
      };
    }
    if (minuteOfDay < end) {
      return {
        calendar: "tse",
        open: true,
        reason: "open",
        label: `${clock}, within trading hours`,
        next_open: ms,
        next_close: dayStart + end * MINUTE,
      };
    }
  }
  return {
    calendar: "tse",
    open: false,
    reason: "after_close",
    label: `${clock}, after the close`,
    next_open: nextTseDayOpen(ms),
    next_close: null,
  };
}

/** Unix ms of the n-th Sunday (1-based) of a month, at `utcHour` UTC. */
function nthSundayUtc(year: number, month0: number, n: number, utcHour: number): number {
  const first = new Date(Date.UTC(year, month0, 1));
  const offset = (7 - first.getUTCDay()) % 7; // days to the first Sunday
  return Date.UTC(year, month0, 1 + offset + 7 * (n - 1), utcHour);
}

/** New York's UTC offset in ms at `ms` (US rule since 2007: DST from the 2nd Sunday of March 02:00 EST to the 1st Sunday of November 02:00 EDT). */
export function newYorkOffsetMs(ms: number): number {
  const year = new Date(ms).getUTCFullYear();
  const dstStart = nthSundayUtc(year, 2, 2, 7); // 02:00 EST = 07:00 UTC
  const dstEnd = nthSundayUtc(year, 10, 1, 6); // 02:00 EDT = 06:00 UTC
  return ms >= dstStart && ms < dstEnd ? -4 * HOUR : -5 * HOUR;
}

function isFxOpen(ms: number): boolean {
  const ny = new Date(ms + newYorkOffsetMs(ms));
  const dow = ny.getUTCDay();
  const hour = ny.getUTCHours();
  if (dow === 6) return false;
  if (dow === 5) return hour < 17;
  if (dow === 0) return hour >= 17;
  return true;
}

/** First whole UTC hour after `ms` whose open state equals `wanted` (FX opens and closes on the hour). */
function nextFxFlip(ms: number, wanted: boolean): number {
  let t = Math.floor(ms / HOUR) * HOUR + HOUR;
  for (let i = 0; i < 24 * 8; i++, t += HOUR) {
    if (isFxOpen(t) === wanted) return t;
  }
  throw new TradectlError("INTERNAL_ERROR", `FX calendar found no ${wanted ? "open" : "close"} within 8 days`);
}

function fxStatus(ms: number): MarketStatus {
  if (isFxOpen(ms)) {
    return {
      calendar: "fx",
      open: true,
      reason: "open",
      label: `${jstStamp(ms)}, within trading hours`,
      next_open: ms,
      next_close: nextFxFlip(ms, false),
    };
  }
  return {
    calendar: "fx",
    open: false,
    reason: "weekend",
    label: `${jstStamp(ms)}, weekend`,
    next_open: nextFxFlip(ms, true),
    next_close: null,
  };
}

/** Full status of a calendar at `ms`, for reports and risk messages. */
export function describeMarket(calendar: MarketCalendar, ms: number): MarketStatus {
  switch (calendar) {
    case "tse":
      return tseStatus(ms);
    case "fx":
      return fxStatus(ms);
    case "always":
      return {
        calendar,
        open: true,
        reason: "open",
        label: `${jstClock(ms)} JST, always open`,
        next_open: null,
        next_close: null,
      };
  }
}

export function isMarketOpen(calendar: MarketCalendar, ms: number): boolean {
  switch (calendar) {
    case "tse":
      return tseStatus(ms).open;
    case "fx":
      return isFxOpen(ms);
    case "always":
      return true;
  }
}

/** The instant the market next opens: `ms` itself while open (and always for `always`). */
export function nextOpen(calendar: MarketCalendar, ms: number): number {
  return describeMarket(calendar, ms).next_open ?? ms;
}

/** The end of the session in progress at `ms`, or null when closed or always open. */
export function nextClose(calendar: MarketCalendar, ms: number): number | null {
  return describeMarket(calendar, ms).next_close;
}
