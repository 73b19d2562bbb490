/** Japan Standard Time helpers (JST is UTC+9 all year, no daylight saving). */
export const JST_OFFSET_MS = 9 * 60 * 60 * 1000;

export interface JstParts {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  weekday: number; // 0 = Sunday
}

export function jstParts(ms: number): JstParts {
  const d = new Date(ms + JST_OFFSET_MS);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    weekday: d.getUTCDay(),
  };
}

/** `YYYYMMDD` of the JST calendar day containing `ms`. */
export function jstDateKey(ms: number): string {
  const p = jstParts(ms);
  return `${p.year}${String(p.month).padStart(2, "0")}${String(p.day).padStart(2, "0")}`;
}

/** Unix ms of the next JST midnight after `ms`. */
export function nextJstMidnight(ms: number): number {
  const dayMs = 24 * 60 * 60 * 1000;
  return Math.floor((ms + JST_OFFSET_MS) / dayMs) * dayMs + dayMs - JST_OFFSET_MS;
}

/** Unix ms of the JST midnight that starts the day containing `ms`. */
export function jstDayStart(ms: number): number {
  return nextJstMidnight(ms) - 24 * 60 * 60 * 1000;
}

/** "YYYY-MM-DD HH:MM:SS" in JST. */
export function jstDateTime(ms: number): string {
  const p = jstParts(ms);
  const s = Math.floor((((ms % 60_000) + 60_000) % 60_000) / 1000);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)}:${two(s)}`;
}
