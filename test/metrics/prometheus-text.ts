/**
 * Reads Prometheus text exposition with parse-prometheus-text-format (a parser of the format, not ours): it checks
 * the format and gives every family with its HELP, TYPE and samples. It folds a histogram's series together when
 * they carry labels besides `le` (only an unlabelled histogram keeps its count), so the count of a labelled
 * histogram series is read from its own `_count` line.
 */
import parsePrometheusTextFormat from "parse-prometheus-text-format";

export interface Family {
  name: string;
  help: string;
  type: string;
  metrics: Array<{ labels?: Record<string, string>; value?: string; count?: string; sum?: string; buckets?: Record<string, string> }>;
}

export interface Scrape {
  families: Map<string, Family>;
  text: string;
}

export function parseMetrics(text: string): Scrape {
  const families = (parsePrometheusTextFormat as (t: string) => Family[])(text);
  return { families: new Map(families.map((f) => [f.name, f])), text };
}

/** A counter's or gauge's value, or a histogram's count, for the series whose labels include `labels`. */
export function sample(s: Scrape, name: string, labels: Record<string, string> = {}): number | undefined {
  const f = s.families.get(name);
  if (f?.type === "HISTOGRAM") {
    const line = s.text.split("\n").find((l) => l.startsWith(`${name}_count`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  const m = f?.metrics.find((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v));
  return m === undefined ? undefined : Number(m.value);
}
