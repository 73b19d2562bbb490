/**
 * The loopback fuzz in its bounded form (the long form: `npm run fuzz:long`, 50,000 requests): a few thousand
 * generated requests against every route of both servers of a real daemon process. A failure prints the seed and
 * the failing cases; TRADECTL_FUZZ_SEED=<seed> replays the run.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fuzzSeed, runHttpFuzz, summaryLine } from "./http-fuzz.js";

const REQUESTS = Number(process.env.TRADECTL_FUZZ_REQUESTS ?? 2000);
/**
 * The daemon runs with its heap limited (a leak there ends it: a crash). Outside the heap, RSS moves by tens of MB
 * with the 1 MB bodies malloc keeps around; more than this after the warm-up is not that.
 */
const RSS_GROWTH_MB = 96;

test(`${REQUESTS} generated requests against both servers: no 5xx, no crash, every error in the envelope, no reset, RSS back near its start`, async (t) => {
  const seed = fuzzSeed();
  const s = await runHttpFuzz({ requests: REQUESTS, seed });
  t.diagnostic(summaryLine(s));
  const replay = `replay: TRADECTL_FUZZ_SEED=${seed} TRADECTL_FUZZ_REQUESTS=${REQUESTS} node --import tsx --test test/fuzz/http-fuzz.test.ts, or one case: node --import tsx test/fuzz/http-fuzz.ts --seed ${seed} --requests ${REQUESTS} --only INDEX`;
  const report = `${summaryLine(s)}\n${s.failures.map((f) => `#${f.index}: ${f.problem}\n  ${f.case}`).join("\n")}\n${replay}`;
  assert.equal(s.requests, REQUESTS, report);
  for (const counter of ["serverErrors", "crashes", "offShape", "unanswered", "resets", "hangs"] as const) assert.equal(s[counter], 0, `${counter}: ${report}`);
  // every route of both servers was reached, by each kind of request
  assert.ok(s.sent.tcp > REQUESTS / 4 && s.sent.unix > REQUESTS / 4 && s.sent.raw > REQUESTS / 10, report);
  for (const status of ["200", "400", "401", "404", "413", "414", "417", "431"]) assert.ok((s.statuses[status] ?? 0) > 0, `no ${status} answer in the run: ${report}`);
  assert.ok(s.rssEndMb - s.rssStartMb < RSS_GROWTH_MB, `RSS grew ${s.rssStartMb} -> ${s.rssEndMb} MB: ${report}`);
});
