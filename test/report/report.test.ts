/**
 * `tradectl report` against a journal with a known week of history (test/report/known-history.ts), the daemon not
 * running: every figure checked to the yen, in every format, and the HTML parsed to find both charts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parse, type DefaultTreeAdapterMap } from "parse5";
import { runCli, spawnDaemon } from "../helpers/daemon.js";
import { testHome } from "../helpers/temp-home.js";
import { EXPECTED, writeKnownHistory } from "./known-history.js";

type Node = DefaultTreeAdapterMap["node"];
type Element = DefaultTreeAdapterMap["element"];

function elements(n: Node, out: Element[] = []): Element[] {
  if ("tagName" in n) out.push(n);
  for (const c of "childNodes" in n ? n.childNodes : []) elements(c, out);
  if ("content" in n && n.content) elements(n.content as Node, out);
  return out;
}
const attr = (e: Element, name: string) => e.attrs.find((a) => a.name === name)?.value;
const within = (root: Element, tag: string) => elements(root).filter((e) => e.tagName === tag);

const WEEK = ["report", "--period", "week", "--date", "2026-03-04"];

test("report of a known week: every figure to the yen, with the daemon down", async (t) => {
  const home = testHome(t);
  const db = join(home, "tradectl.db");
  writeKnownHistory(db);
  const before = createHash("sha256").update(readFileSync(db)).digest("hex");
  const cli = (...args: string[]) => runCli([...args, "--home", home]);

  await t.test("--json: P&L, trades, daily, signals, orders, latency, uptimes and incidents", async () => {
    const res = await cli(...WEEK, "--json");
    assert.equal(res.code, 0, res.stderr);
    const r = JSON.parse(res.stdout);
    assert.deepEqual(
      { from: r.period.from, to: r.period.to, start: r.period.start, end: r.period.end },
      { from: "2026-03-02", to: "2026-03-08", start: "2026-03-01T15:00:00.000Z", end: "2026-03-08T15:00:00.000Z" },
      "a Monday-to-Sunday week of JST days",
    );
    const s = r.summary;
    assert.equal(s.realized_pnl, EXPECTED.realized);
    assert.equal(s.fees, EXPECTED.fees);
    assert.equal(s.unrealized_pnl_start, EXPECTED.unrealizedStart, "7203 carried in, marked at Friday's 2,520");
    assert.equal(s.unrealized_pnl_end, EXPECTED.unrealizedEnd, "6758 marked at Friday's 12,900");
    assert.equal(s.total_pnl, EXPECTED.total);
    assert.deepEqual([s.trades, s.wins, s.losses, s.fills], [EXPECTED.trades, EXPECTED.wins, EXPECTED.losses, 6]);
    assert.equal(s.win_rate, EXPECTED.winRate);
    assert.equal(s.profit_factor, EXPECTED.profitFactor);
    assert.equal(s.max_drawdown, EXPECTED.maxDrawdown);
    assert.deepEqual(r.daily, EXPECTED.daily, "exchange days only: the weekend had nothing");
    assert.equal(r.equity_curve.length, EXPECTED.curvePoints);
    assert.equal(r.equity_curve.at(-1).equity, EXPECTED.total);
    assert.deepEqual(
      r.trades.map((x: { order_id: string; realized_pnl: number; closing: boolean }) => [x.order_id, x.realized_pnl, x.closing]),
      [
        ["ORD_20260302_001", -100, false],
        ["ORD_20260302_002", 4900, true],
        ["ORD_20260302_003", -100, false],
        ["ORD_20260303_004", -8100, true],
        ["ORD_20260303_005", 4900, true],
        ["ORD_20260305_006", -100, false],
      ],
    );
    assert.deepEqual(r.open_positions, [
      { ticker: "6758", quantity: 100, avg_price: 13000, mark_price: 12900, mark_time: "2026-03-06T06:30:00.000Z", mark_source: "mark", unrealized_pnl: -10000 },
    ]);
    assert.deepEqual(
      r.by_ticker.map((x: { ticker: string; realized_pnl: number; trades: number }) => [x.ticker, x.realized_pnl, x.trades]),
      [
        ["6758", -100, 0],
        ["7203", 4900, 1],
        ["9984", -3400, 2],
      ],
    );
    assert.deepEqual(r.signals, EXPECTED.signals);
    assert.deepEqual(r.orders, EXPECTED.orders);
    assert.deepEqual(r.latency_ms, EXPECTED.latency);
    assert.deepEqual(r.daemon, EXPECTED.daemon);
    assert.deepEqual(r.streams, [{ ...EXPECTED.stream, last_state: null }]);
    assert.deepEqual(r.broker_incidents, [EXPECTED.incident]);
  });

  await t.test("a day: the P&L of Tuesday counts Monday's close as its start", async () => {
    const r = JSON.parse((await cli("report", "--date", "2026-03-03", "--json")).stdout);
    assert.equal(r.summary.realized_pnl, -3200);
    assert.equal(r.summary.unrealized_pnl_start, -3000);
    assert.equal(r.summary.total_pnl, -200);
    assert.equal(r.summary.max_drawdown, 4100, "from 0 at the start to -4,100 after the 9984 loss (realised -8,200 with 7203 still up 1,000)");
  });

  await t.test("text: the figures as a person reads them", async () => {
    const res = await cli(...WEEK);
    assert.equal(res.code, 0, res.stderr);
    const out = res.stdout;
    assert.match(out, /week 2026-03-02 to 2026-03-08 \(JST\)/);
    assert.match(out, /realised\s+1,400\n/);
    assert.match(out, /total\s+-10,600\n/);
    assert.match(out, /win rate\s+66\.7%/);
    assert.match(out, /profit factor\s+1\.21/);
    assert.match(out, /max drawdown\s+30,000/);
    assert.match(out, /2026-03-03 09:30:00\s+ORD_20260303_004\s+9984\s+sell\s+200\s+3,060\s+100\s+-8,100\s+yes/);
    assert.match(out, /RISK_LIMIT_EXCEEDED\/daily_trade_count\s+1/);
    assert.match(out, /p50 30 ms, p90 1,000 ms/);
    assert.match(out, /replay\s+66\.1%\s+1/);
    assert.match(out, /bridge timeout/);
    assert.doesNotMatch(out, /\x1b\[/, "no colour in a pipe");
  });

  await t.test("html: one self-contained file with an equity curve and daily bars as inline SVG", async () => {
    const file = join(home, "week.html");
    const res = await cli(...WEEK, "--format", "html", "--output", file);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, "", "--output writes the file, not stdout");
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const html = readFileSync(file, "utf8");
    const all = elements(parse(html));
    const svgs = all.filter((e) => e.tagName === "svg");
    const equity = svgs.find((e) => attr(e, "id") === "equity-curve");
    const bars = svgs.find((e) => attr(e, "id") === "daily-pnl");
    assert.ok(equity && bars, "both charts");
    const path = within(equity, "path")[0]!;
    assert.equal(attr(path, "d")!.match(/[ML]/g)!.length, EXPECTED.curvePoints, "one point per fill and per day's end");
    const rects = within(bars, "rect").filter((r) => attr(r, "class") === "bar");
    assert.deepEqual(
      rects.map((r) => attr(r, "fill")),
      ["#cf222e", "#cf222e", "#1a7f37", "#1a7f37", "#cf222e"],
      "Mon -300, Tue -200, Wed 0, Thu +19,900, Fri -30,000",
    );
    const titles = rects.map((r) => within(r, "title")[0]!.childNodes.map((c) => ("value" in c ? c.value : "")).join(""));
    assert.deepEqual(titles, ["2026-03-02: -300", "2026-03-03: -200", "2026-03-04: 0", "2026-03-05: 19,900", "2026-03-06: -30,000"]);
    assert.equal(all.filter((e) => e.tagName === "script").length, 0, "no script");
    const external = all.flatMap((e) => e.attrs.filter((a) => (a.name === "src" || a.name === "href") && /^(https?:)?\/\//.test(a.value)));
    assert.deepEqual(external, [], "nothing fetched");
    assert.ok(all.some((e) => e.tagName === "td" && e.childNodes.some((c) => "value" in c && c.value === "-10,600")), "the tables carry the figures too");
  });

  await t.test("md and csv", async () => {
    const md = (await cli(...WEEK, "--format", "md")).stdout;
    assert.match(md, /^# tradectl report: week 2026-03-02 to 2026-03-08 \(JST\)/);
    assert.match(md, /- \*\*total\*\*: -10,600/);
    assert.match(md, /\| 2026-03-05 \| 1 \| 0 \| -100 \| 100 \| 19,900 \| 19,400 \|/);
    const csv = (await cli(...WEEK, "--format", "csv")).stdout.trim().split("\r\n");
    assert.equal(csv[0], "time_jst,date,order_id,ticker,action,quantity,price,fee,realized_pnl,closing");
    assert.equal(csv.length, 7);
    assert.equal(csv.slice(1).reduce((sum, line) => sum + Number(line.split(",")[8]), 0), EXPECTED.realized);
  });

  await t.test("the journal is only read", () => {
    assert.equal(createHash("sha256").update(readFileSync(db)).digest("hex"), before);
  });

  await t.test("with a daemon running now on the same journal, a past run that crashed still ended when it did", async () => {
    const d = await spawnDaemon(home);
    try {
      const r = JSON.parse((await cli(...WEEK, "--json")).stdout);
      assert.deepEqual(r.daemon, EXPECTED.daemon, "Saturday's run ended before today's began, not at the week's end");
      assert.deepEqual(r.streams, [{ ...EXPECTED.stream, last_state: null }]);
      assert.equal(r.summary.total_pnl, EXPECTED.total);
    } finally {
      await d.stop();
    }
  });
});

test("report usage errors exit 2 and name the allowed values; a home without a journal exits 1", async (t) => {
  const home = testHome(t);
  const cli = (...args: string[]) => runCli([...args, "--home", home]);
  for (const [args, message] of [
    [["--period", "year"], /Allowed choices are day, week, month, range/],
    [["--format", "pdf"], /Allowed choices are text, md, csv, json, html/],
    [["--date", "2026-02-30"], /YYYY-MM-DD/],
    [["--period", "range", "--from", "2026-03-01"], /needs --from and --to/],
    [["--from", "2026-03-01", "--to", "2026-03-02"], /go with --period range/],
    [["--period", "range", "--from", "2026-03-05", "--to", "2026-03-01"], /is after/],
  ] as Array<[string[], RegExp]>) {
    const res = await cli("report", ...args);
    assert.equal(res.code, 2, `${args.join(" ")}: ${res.stderr}`);
    assert.match(res.stderr, message);
    assert.equal(res.stdout, "");
  }
  const none = await cli("report");
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no journal at/);
  assert.equal(existsSync(join(home, "tradectl.db")), false, "a report creates no journal");
});
