/** The `top` screen: status, positions, streams, quotes and the latest relay events, refreshed every second from the socket. */
import { Box, Text, useApp, useInput } from "ink";
import { useEffect, useState, type ReactNode } from "react";
import type { SocketClient } from "../socket-client.js";
import { fmt } from "../output.js";
import { streamNotes, type StreamNoteInput } from "../stream-notes.js";

export interface TopData {
  status: {
    system_enabled: boolean;
    trading_active: boolean;
    market_open: boolean;
    daily_stats: Record<string, number>;
    current_positions: Array<{ ticker: string; quantity: number; entry_price: number; current_price: number | null; unrealized_pnl: number }>;
    risk_status: Record<string, unknown>;
    kill_switch: { reason: string | null };
    streams: Array<{ name: string; state: string; last_message_at: string | null; reconnects: number } & StreamNoteInput>;
    broker: { kind: string; connected: boolean };
    timestamp: string;
  };
  quotes: Array<{ instrument: string; bid: number; ask: number; time: number }>;
  relay: Array<{ type: string; time: string; payload: Record<string, unknown> }>;
}

export async function fetchTopData(client: SocketClient): Promise<TopData> {
  const [status, quotes, relay] = await Promise.all([
    client.get<TopData["status"]>("/status"),
    client.get<TopData["quotes"]>("/quotes"),
    client.get<TopData["relay"]>("/audit", { type: "relay.", limit: 5 }),
  ]);
  return { status, quotes, relay };
}

/** One relay event in a line: what happened, to which receiver or subscription, and why. */
function relayLine(e: TopData["relay"][number]): string {
  const p = e.payload;
  const who = p.receiver_id ?? p.subscription_id ?? p.channel ?? "";
  const what = p.outcome ?? p.status ?? p.by ?? (p.receivers !== undefined ? `${String(p.receivers)} receivers` : "");
  const total = (p.hops as { received_to_answer?: number | null } | undefined)?.received_to_answer;
  return `${e.time.slice(11, 23)} ${e.type.padEnd(16)} ${String(who).padEnd(22)} ${String(what)}${typeof total === "number" ? ` ${total.toFixed(1)} ms` : ""}${p.reason ? ` (${String(p.reason)})` : ""}`;
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Box marginTop={1} flexDirection="column">
      <Text bold>{title}</Text>
      {children}
    </Box>
  );
}

export function TopView({ data, error }: { data: TopData | null; error: string | null }) {
  if (!data) return <Text color={error ? "red" : "gray"}>{error ?? "connecting…"}</Text>;
  const s = data.status;
  const d = s.daily_stats;
  const notes = s.streams.flatMap(streamNotes);
  const marginCall = s.streams.some((st) => st.margin_call);
  return (
    <Box flexDirection="column">
      <Box gap={2}>
        <Text bold>tradectl</Text>
        {s.system_enabled ? <Text color="green">ENABLED</Text> : <Text color="red" bold>KILLED ({s.kill_switch.reason ?? "no reason"})</Text>}
        <Text>market {s.market_open ? <Text color="green">open</Text> : <Text color="yellow">closed</Text>}</Text>
        <Text>broker {s.broker.kind} {s.broker.connected ? <Text color="green">up</Text> : <Text color="red">DOWN</Text>}</Text>
        {marginCall ? <Text color="red" bold>MARGIN CALL</Text> : null}
        <Text color="gray">{s.timestamp}</Text>
      </Box>
      <Text>
        today: entries {d.entries} exits {d.exits} realized {fmt(d.realized_pnl)} unrealized {fmt(d.unrealized_pnl)} total{" "}
        <Text color={(d.total_pnl ?? 0) >= 0 ? "green" : "red"}>{fmt(d.total_pnl)}</Text> · risk {String(s.risk_status.daily_entries)} cooldown {String(s.risk_status.cooldown)}
      </Text>
      {error ? <Text color="red">{error}</Text> : null}
      <Section title="POSITIONS">
        {s.current_positions.length === 0 ? <Text color="gray">(none)</Text> : null}
        {s.current_positions.map((p) => (
          <Text key={p.ticker}>
            {p.ticker.padEnd(8)} {String(p.quantity).padStart(7)} @ {fmt(p.entry_price).padStart(10)} → {fmt(p.current_price).padStart(10)}{" "}
            <Text color={p.unrealized_pnl >= 0 ? "green" : "red"}>{fmt(p.unrealized_pnl).padStart(10)}</Text>
          </Text>
        ))}
      </Section>
      <Section title="STREAMS">
        {s.streams.map((st) => (
          <Text key={st.name}>
            {st.name.padEnd(12)} <Text color={st.state === "live" ? "green" : st.state === "market-closed" ? "yellow" : "red"}>{st.state.padEnd(14)}</Text> reconnects {st.reconnects} last {st.last_message_at ?? "-"}
          </Text>
        ))}
        {notes.map((n) => (
          <Text key={n.text} color={n.level === "alert" ? "red" : "yellow"} bold={n.level === "alert"}>
            {n.text}
          </Text>
        ))}
      </Section>
      <Section title="QUOTES">
        {data.quotes.map((q) => (
          <Text key={q.instrument}>
            {q.instrument.padEnd(10)} {fmt(q.bid).padStart(12)} {fmt(q.ask).padStart(12)}
          </Text>
        ))}
      </Section>
      {data.relay.length ? (
        <Section title="RELAY">
          {data.relay.map((e, i) => (
            <Text key={i} color={e.type === "relay.failed" ? "red" : undefined}>
              {relayLine(e)}
            </Text>
          ))}
        </Section>
      ) : null}
      <Text color="gray">q to quit</Text>
    </Box>
  );
}

export function TopApp({ client, intervalMs }: { client: SocketClient; intervalMs: number }) {
  const { exit } = useApp();
  const [data, setData] = useState<TopData | null>(null);
  const [error, setError] = useState<string | null>(null);
  useInput((input, key) => {
    if (input === "q" || key.escape || (key.ctrl && input === "c")) exit();
  });
  useEffect(() => {
    let alive = true;
    const tick = () =>
      fetchTopData(client).then(
        (d) => {
          if (!alive) return;
          setData(d);
          setError(null);
        },
        (err: Error) => alive && setError(err.message),
      );
    void tick();
    const timer = setInterval(tick, intervalMs);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, [client, intervalMs]);
  return <TopView data={data} error={error} />;
}
