/**
 * The Grafana dashboard and the Prometheus alert rules in scripts/deploy/ query only metrics the daemon serves: each
 * expression is parsed with Prometheus's own PromQL grammar (lezer-promql), and every metric it selects must be a
 * family of a live scrape (a histogram's _bucket/_sum/_count series by its family), or Prometheus's own `up`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import { parse as parseYaml } from "yaml";
import { ROOT, startTestDaemon, TEST_CONFIG } from "../helpers/daemon.js";
import { defer } from "../helpers/defer.js";
import { parseMetrics } from "./prometheus-text.js";

const DEPLOY = join(ROOT, "scripts", "deploy");
/** Series Prometheus makes itself for every scrape target. */
const PROMETHEUS_OWN = new Set(["up"]);

/** Metric names selected by a PromQL expression; throws on a syntax error. Grafana's interval variables read as 5m. */
function selectedMetrics(expr: string): string[] {
  const q = expr.replace(/\$__(rate_interval|interval|range)/g, "5m");
  const tree = parser.parse(q);
  const names: string[] = [];
  const c = tree.cursor();
  do {
    if (c.type.isError) throw new Error(`PromQL syntax error at ${c.from} in: ${expr}`);
    if (c.type.name === "Identifier" && c.node.parent?.type.name === "VectorSelector") names.push(q.slice(c.from, c.to));
  } while (c.next());
  return names;
}

function dashboardQueries(): string[] {
  const d = JSON.parse(readFileSync(join(DEPLOY, "grafana-dashboard.json"), "utf8")) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
  return d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
}

function ruleQueries(): Array<{ alert: string; expr: string }> {
  const doc = parseYaml(readFileSync(join(DEPLOY, "prometheus-rules.yml"), "utf8")) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };
  return doc.groups.flatMap((g) => g.rules);
}

test("the PromQL reader finds selected metrics and refuses a broken query", () => {
  assert.deepEqual(selectedMetrics('histogram_quantile(0.99, sum by (le) (rate(a_bucket{x="y"}[$__rate_interval]))) > 1 or absent(up{job="t"})'), ["a_bucket", "up"]);
  assert.throws(() => selectedMetrics("sum(rate(a[5m])"), /syntax error/);
});

test("the alert rules cover a daemon down, a stream stale, a broker unhealthy and the kill switch", () => {
  const exprs = Object.fromEntries(ruleQueries().map((r) => [r.alert, r.expr]));
  assert.match(exprs.TradectlDown!, /up\{job="tradectl"\} == 0/);
  assert.match(exprs.TradectlStreamStale!, /tradectl_stream_up == 0/);
  assert.match(exprs.TradectlBrokerUnhealthy!, /tradectl_broker_up == 0/);
  assert.match(exprs.TradectlKillSwitchOn!, /tradectl_kill_switch_active == 1/);
});

test("every metric the dashboard and the alert rules query is one the daemon serves", async (t) => {
  const d = await startTestDaemon({ config: TEST_CONFIG });
  defer(t, () => d.close());
  const families = parseMetrics(String((await d.socket("GET", "/metrics")).body)).families;
  const served = new Set<string>(PROMETHEUS_OWN);
  for (const [name, f] of families) {
    served.add(name);
    if (f.type === "HISTOGRAM") for (const s of ["_bucket", "_sum", "_count"]) served.add(name + s);
    if (f.type === "SUMMARY") for (const s of ["_sum", "_count"]) served.add(name + s);
  }
  const queries = [...dashboardQueries(), ...ruleQueries().map((r) => r.expr)];
  assert.ok(queries.length >= 25, `${queries.length} queries`);
  const used = new Set(queries.flatMap(selectedMetrics));
  const unknown = [...used].filter((n) => !served.has(n));
  assert.deepEqual(unknown, [], "queried but not served");
  for (const n of ["tradectl_alerts_total", "tradectl_accept_latency_seconds_bucket", "tradectl_orders_total", "tradectl_notifications_total", "nodejs_eventloop_lag_p99_seconds"]) {
    assert.ok(used.has(n), `the dashboard shows ${n}`);
  }
});
