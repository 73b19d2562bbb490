import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  describeMarket,
  isMarketOpen,
  isTseTradingDay,
  japaneseHolidayName,
  newYorkOffsetMs,
  nextClose,
  nextOpen,
} from "../../src/domain/market-hours.js";

/** Unix ms of a JST wall-clock time. */
function jst(y: number, mo: number, d: number, h: number, mi: number, s = 0, ms = 0): number {
  return Date.UTC(y, mo - 1, d, h - 9, mi, s, ms);
}

describe("TSE sessions on an ordinary exchange day (Tue 2026-01-13)", () => {
  const at = (h: number, mi: number, s = 0, ms = 0) => jst(2026, 1, 13, h, mi, s, ms);
  const cases: Array<[string, number, boolean, string]> = [
    ["08:59", at(8, 59), false, "before_open"],
    ["08:59:59.999", at(8, 59, 59, 999), false, "before_open"],
    ["09:00", at(9, 0), true, "open"],
    ["10:30", at(10, 30), true, "open"],
    ["11:29:59.999", at(11, 29, 59, 999), true, "open"],
    ["11:30", at(11, 30), false, "lunch_break"],
    ["11:31", at(11, 31), false, "lunch_break"],
    ["12:29", at(12, 29), false, "lunch_break"],
    ["12:30", at(12, 30), true, "open"],
    ["15:00 (open since the Nov 2024 extension)", at(15, 0), true, "open"],
    ["15:29:59.999", at(15, 29, 59, 999), true, "open"],
    ["15:30", at(15, 30), false, "after_close"],
    ["15:31", at(15, 31), false, "after_close"],
    ["00:00", at(0, 0), false, "before_open"],
    ["23:59", at(23, 59), false, "after_close"],
  ];
  for (const [label, ms, open, reason] of cases) {
    test(`${label} JST is ${open ? "open" : "closed"} (${reason})`, () => {
      assert.equal(isMarketOpen("tse", ms), open);
      const s = describeMarket("tse", ms);
      assert.equal(s.open, open);
      assert.equal(s.reason, reason);
    });
  }

  test("next open and close around the day", () => {
    assert.equal(nextOpen("tse", at(8, 59)), at(9, 0));
    assert.equal(nextOpen("tse", at(10, 0)), at(10, 0), "open now → now");
    assert.equal(nextOpen("tse", at(11, 30)), at(12, 30));
    assert.equal(nextOpen("tse", at(12, 29)), at(12, 30));
    assert.equal(nextOpen("tse", at(15, 30)), jst(2026, 1, 14, 9, 0));
    assert.equal(nextClose("tse", at(9, 0)), at(11, 30));
    assert.equal(nextClose("tse", at(13, 0)), at(15, 30));
    assert.equal(nextClose("tse", at(12, 0)), null);
  });

  test("labels read like the seed's", () => {
    assert.equal(describeMarket("tse", at(10, 30)).label, "10:30 JST, within trading hours");
    assert.equal(describeMarket("tse", at(12, 0)).label, "12:00 JST, lunch break");
    assert.equal(describeMarket("tse", at(8, 59)).label, "08:59 JST, before the morning session");
    assert.equal(describeMarket("tse", at(15, 31)).label, "15:31 JST, after the close");
  });
});

describe("TSE closed days", () => {
  test("Coming of Age Day 2026-01-12 (Mon) is a holiday", () => {
    const ms = jst(2026, 1, 12, 10, 0);
    assert.equal(japaneseHolidayName(ms), "Coming of Age Day");
    assert.equal(isTseTradingDay(ms), false);
    const s = describeMarket("tse", ms);
    assert.equal(s.open, false);
    assert.equal(s.reason, "holiday");
    assert.equal(s.holiday, "Coming of Age Day");
    assert.match(s.label, /^2026-01-12 \(Mon\) 10:00 JST, holiday \(Coming of Age Day\)$/);
    assert.equal(s.next_open, jst(2026, 1, 13, 9, 0));
  });

  test("Friday after the close skips the weekend and the Monday holiday", () => {
    assert.equal(nextOpen("tse", jst(2026, 1, 9, 15, 30)), jst(2026, 1, 13, 9, 0));
  });

  test("a Saturday is closed (weekend)", () => {
    const s = describeMarket("tse", jst(2026, 1, 10, 10, 0));
    assert.equal(s.open, false);
    assert.equal(s.reason, "weekend");
    assert.equal(s.next_open, jst(2026, 1, 13, 9, 0));
  });

  test("Dec 31 is the year-end closure, next open is the first exchange day of January", () => {
    const s = describeMarket("tse", jst(2025, 12, 31, 10, 0));
    assert.equal(s.open, false);
    assert.equal(s.reason, "year_end");
    assert.equal(s.next_open, jst(2026, 1, 5, 9, 0));
  });

  test("Jan 3 on a weekday (Fri 2025-01-03) is closed, Jan 2 too", () => {
    assert.equal(describeMarket("tse", jst(2025, 1, 3, 10, 0)).reason, "year_end");
    assert.equal(describeMarket("tse", jst(2025, 1, 2, 10, 0)).reason, "year_end");
    assert.equal(nextOpen("tse", jst(2025, 1, 3, 10, 0)), jst(2025, 1, 6, 9, 0));
  });

  test("Jan 5 2026 (first exchange day) and Dec 30 2025 (last) are open", () => {
    assert.equal(isMarketOpen("tse", jst(2026, 1, 5, 9, 0)), true);
    assert.equal(isMarketOpen("tse", jst(2025, 12, 30, 15, 29)), true);
  });

  test("Golden Week 2026: Fri May 1 close → Thu May 7 09:00 (May 4–6 are holidays)", () => {
    assert.equal(nextOpen("tse", jst(2026, 5, 1, 15, 30)), jst(2026, 5, 7, 9, 0));
    assert.equal(japaneseHolidayName(jst(2026, 5, 6, 12, 0)), "Holiday in lieu");
    assert.equal(isMarketOpen("tse", jst(2026, 4, 29, 10, 0)), false, "Showa Day");
  });

  test("the JST day, not the UTC day, decides (Mon 2026-01-12 00:30 JST is Sun 15:30 UTC)", () => {
    assert.equal(japaneseHolidayName(jst(2026, 1, 12, 0, 30)), "Coming of Age Day");
    assert.equal(japaneseHolidayName(jst(2026, 1, 13, 0, 30)), null);
  });
});

describe("FX week (Sunday 17:00 to Friday 17:00 New York)", () => {
  test("New York offset follows US daylight saving time", () => {
    assert.equal(newYorkOffsetMs(Date.UTC(2026, 0, 15)), -5 * 3_600_000);
    assert.equal(newYorkOffsetMs(Date.UTC(2025, 6, 15)), -4 * 3_600_000);
    // 2026: DST starts Sun Mar 8 07:00 UTC, ends Sun Nov 1 06:00 UTC
    assert.equal(newYorkOffsetMs(Date.UTC(2026, 2, 8, 6, 59)), -5 * 3_600_000);
    assert.equal(newYorkOffsetMs(Date.UTC(2026, 2, 8, 7, 0)), -4 * 3_600_000);
    assert.equal(newYorkOffsetMs(Date.UTC(2026, 10, 1, 5, 59)), -4 * 3_600_000);
    assert.equal(newYorkOffsetMs(Date.UTC(2026, 10, 1, 6, 0)), -5 * 3_600_000);
  });

  test("winter: Monday 07:00 JST to Saturday 07:00 JST", () => {
    assert.equal(isMarketOpen("fx", jst(2026, 1, 12, 6, 59)), false);
    assert.equal(isMarketOpen("fx", jst(2026, 1, 12, 7, 0)), true);
    assert.equal(isMarketOpen("fx", jst(2026, 1, 14, 3, 0)), true);
    assert.equal(isMarketOpen("fx", jst(2026, 1, 10, 6, 59)), true);
    assert.equal(isMarketOpen("fx", jst(2026, 1, 10, 7, 0)), false);
    assert.equal(isMarketOpen("fx", jst(2026, 1, 11, 12, 0)), false);
  });

  test("summer: Monday 06:00 JST to Saturday 06:00 JST", () => {
    assert.equal(isMarketOpen("fx", jst(2025, 7, 7, 5, 59)), false);
    assert.equal(isMarketOpen("fx", jst(2025, 7, 7, 6, 0)), true);
    assert.equal(isMarketOpen("fx", jst(2025, 7, 5, 5, 59)), true);
    assert.equal(isMarketOpen("fx", jst(2025, 7, 5, 6, 0)), false);
  });

  test("next open/close, including the weekends DST starts and ends", () => {
    assert.equal(nextOpen("fx", jst(2026, 1, 10, 10, 0)), jst(2026, 1, 12, 7, 0));
    assert.equal(nextOpen("fx", jst(2026, 3, 7, 10, 0)), jst(2026, 3, 9, 6, 0));
    assert.equal(nextOpen("fx", jst(2025, 11, 1, 10, 0)), jst(2025, 11, 3, 7, 0));
    assert.equal(nextClose("fx", jst(2026, 1, 14, 3, 0)), jst(2026, 1, 17, 7, 0));
    const s = describeMarket("fx", jst(2026, 1, 10, 10, 0));
    assert.equal(s.reason, "weekend");
    assert.equal(s.next_close, null);
  });
});

test("always is always open", () => {
  const ms = jst(2026, 1, 10, 3, 0);
  assert.equal(isMarketOpen("always", ms), true);
  assert.equal(nextOpen("always", ms), ms);
  assert.equal(nextClose("always", ms), null);
  assert.equal(describeMarket("always", ms).open, true);
});
