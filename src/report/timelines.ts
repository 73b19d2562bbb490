/**
 * Uptimes and incidents from the journal's state events: when the daemon ran (system.started / system.stopping; a
 * run that ended without stopping, a crash, ended at the last event it wrote), each stream's live time and
 * reconnects, and the broker's disconnections. Nothing is known while the daemon is not running: a stream or a
 * broker counts as down then, and an incident in progress ends with its run.
 */
import type { StateEvent } from "./journal-reader.js";
import type { Incident, StreamRow } from "./types.js";

const UP_STATES = new Set(["live", "market-closed"]);

export interface Timelines {
  daemon: { uptime: number; up_ms: number; starts: number };
  streams: StreamRow[];
  broker_incidents: Incident[];
}

interface Track {
  up: boolean;
  since: number;
  up_ms: number;
  reconnects: number;
  last_count: number | null;
  state: string | null;
  message: string | null;
}

export function buildTimelines(o: {
  start: number;
  until: number;
  before: StateEvent[];
  during: StateEvent[];
  daemonRunningNow: boolean;
  lastEventTime: number | null;
  /** The time of the event before the first run that started after the period (see JournalData). */
  nextRunPreviousTime: number | null;
}): Timelines {
  const { start, until } = o;
  const observed = Math.max(0, until - start);
  const streams = new Map<string, Track>();
  const incidents: Incident[] = [];
  let broker: { down: boolean; since: number; message: string | null } = { down: false, since: start, message: null };
  let running = false;
  /** Whether this journal records the daemon's runs at all (older ones have only the streams' states). */
  let sawSystem = false;
  let runSince = start;
  let up_ms = 0;
  let starts = 0;

  const stream = (name: string): Track => {
    let t = streams.get(name);
    if (!t) streams.set(name, (t = { up: false, since: start, up_ms: 0, reconnects: 0, last_count: null, state: null, message: null }));
    return t;
  };
  const setStream = (name: string, state: string, count: number, at: number, counting: boolean) => {
    const t = stream(name);
    if (t.up) t.up_ms += at - t.since;
    // `reconnects` counts up within a run and starts again from 0 in the next one.
    if (counting && t.last_count !== null) t.reconnects += count >= t.last_count ? count - t.last_count : count;
    t.last_count = count;
    t.up = UP_STATES.has(state);
    t.state = state;
    t.since = at;
  };
  const setBroker = (down: boolean, message: string | null, at: number) => {
    if (down && !broker.down) broker = { down: true, since: at, message };
    else if (!down && broker.down) {
      incidents.push({ start: iso(broker.since), end: iso(at), duration_ms: at - broker.since, message: broker.message });
      broker = { down: false, since: at, message: null };
    }
  };
  const endRun = (at: number) => {
    if (!running) return;
    up_ms += at - runSince;
    for (const [name, t] of streams) if (t.state !== null) setStream(name, "stopped", 0, at, false);
    for (const t of streams.values()) t.last_count = null;
    setBroker(false, null, at);
    running = false;
  };
  const apply = (e: StateEvent, at: number, counting: boolean) => {
    if (e.type === "system.started" || e.type === "system.stopping") sawSystem = true;
    if (e.type === "system.started") {
      // A run still open here ended without stopping (a crash): at the last event it wrote.
      if (running) endRun(Math.min(at, Math.max(runSince, e.previous_time ?? at)));
      running = true;
      runSince = at;
      if (counting) starts++;
    } else if (e.type === "system.stopping") {
      endRun(at);
    } else {
      if (!running) {
        // After a run's end, its feeds still report "stopped": nothing to count.
        if (sawSystem) return;
        // A journal from before system.started was recorded: the daemon ran when it wrote this.
        running = true;
        runSince = at;
      }
      if (e.type === "stream.state") setStream(String(e.payload.name), String(e.payload.state), Number(e.payload.reconnects ?? 0), at, counting);
      else setBroker(e.payload.connected === false, typeof e.payload.message === "string" ? e.payload.message : null, at);
    }
  };

  // The state at the start, from the run in progress then (its events are clamped to the start).
  for (const e of o.before) apply(e, start, false);
  if (running) runSince = start;
  for (const t of streams.values()) {
    t.since = start;
    t.up_ms = 0;
  }
  if (broker.down) broker.since = start;
  for (const e of o.during) {
    if (e.time >= until) break;
    apply(e, Math.max(start, e.time), true);
  }
  // A run still open at the end: ended before a later run started, else going on now, else (the daemon is down
  // now) ended at the journal's last event.
  if (running) {
    const endedBy = o.nextRunPreviousTime ?? (o.daemonRunningNow ? null : o.lastEventTime);
    const ongoing = o.nextRunPreviousTime === null && o.daemonRunningNow;
    const end = ongoing ? until : Math.min(until, Math.max(runSince, endedBy ?? runSince));
    const last = new Map([...streams].map(([n, t]) => [n, t.state]));
    if (broker.down) incidents.push({ start: iso(broker.since), end: ongoing ? null : iso(end), duration_ms: end - broker.since, message: broker.message });
    broker = { down: false, since: end, message: null };
    up_ms += end - runSince;
    for (const t of streams.values()) if (t.up) t.up_ms += end - t.since;
    return result(ongoing ? last : new Map());
  }
  return result(new Map());

  function result(last: Map<string, string | null>): Timelines {
    return {
      daemon: { uptime: ratio(up_ms, observed), up_ms, starts },
      streams: [...streams]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, t]) => ({ name, uptime: ratio(t.up_ms, observed), up_ms: t.up_ms, reconnects: t.reconnects, last_state: last.get(name) ?? null })),
      broker_incidents: incidents,
    };
  }
}

const ratio = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : 0);
const iso = (ms: number) => new Date(ms).toISOString();
