/**
 * The commander program: every subcommand, option and allowed value is declared here, once. Each command's module
 * is imported only when it runs (so `tradectl status` loads only what it needs); `completion`, the man-page test and
 * the README's lists are generated from this declaration, so they cannot fall behind it.
 */
import { Argument, Command, InvalidArgumentError, Option } from "commander";
import { ORDER_STATUSES } from "../domain/types.js";
import { SIGNAL_ACTIONS } from "../domain/order-vocabulary.js";
import { MAX_ORDERS_OFFSET } from "../domain/query-limits.js";
import { TIMEFRAMES } from "../domain/timeframes.js";
import type { GlobalOptions } from "./context.js";

export type CommandModule = { run: (args: string[], opts: Record<string, unknown> & GlobalOptions, program: Command) => Promise<void> };
type Loader = () => Promise<CommandModule>;

/** The report formats; `--json` is the same as `--format json`. */
export const REPORT_FORMATS = ["text", "md", "csv", "json", "html"] as const;
export const REPORT_PERIODS = ["day", "week", "month", "range"] as const;
export const SHELLS = ["bash", "zsh", "fish"] as const;

/** A parser for an integer option or argument from `min` to `max`; anything else is a usage error naming the range. */
export function intArg(min: number, max: number): (raw: string) => number {
  return (raw) => {
    const n = /^-?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}.`);
    return n;
  };
}

const choice = (flags: string, description: string, values: readonly string[], fallback?: string) => {
  const o = new Option(flags, description).choices(values);
  return fallback === undefined ? o : o.default(fallback);
};
const int = (flags: string, description: string, min: number, max: number, fallback?: number) => {
  const o = new Option(flags, description).argParser(intArg(min, max));
  return fallback === undefined ? o : o.default(fallback);
};
const json = (c: Command) => c.option("--json", "print the data as JSON (the daemon's data object unchanged)");

export function buildProgram(version: string): Command {
  const program = new Command("tradectl")
    .description("Self-hosted trading daemon and CLI: TradingView alerts in, orders out, a durable journal.")
    .version(version)
    .option("--home <dir>", "instance folder (default: TRADECTL_HOME, else the XDG folders)")
    .showHelpAfterError()
    .exitOverride();

  function command(parent: Command, spec: string, description: string, load: Loader, configure: (c: Command) => Command = (c) => c): Command {
    const cmd = configure(parent.command(spec).description(description).exitOverride());
    cmd.action(async (...args: unknown[]) => {
      const self = args[args.length - 1] as Command;
      const positional = args.slice(0, -2).flatMap((a) => (Array.isArray(a) ? a.map(String) : a === undefined ? [] : [String(a)]));
      const mod = await load();
      await mod.run(positional, { ...program.opts(), ...self.opts() }, program);
    });
    return cmd;
  }
  const top = (spec: string, description: string, load: Loader, configure?: (c: Command) => Command) => command(program, spec, description, load, configure);

  top("daemon", "run the daemon (webhook port, control socket, feeds, broker)", () => import("./commands/daemon.js"), (c) =>
    c
      .option("--host <host>", "webhook listen address")
      .addOption(int("--port <port>", "webhook port (0 = any free port)", 0, 65535))
      .addOption(choice("--broker <kind>", "broker", ["paper", "mt5"]))
      .option("--feed <file>", "replay this recording instead of the configured feeds"),
  );
  top("status", "system state: kill switch, market, daily stats, positions, risk, streams, broker", () => import("./commands/status.js"), json);
  top("positions", "open positions marked to market", () => import("./commands/positions.js"), json);
  top("orders", "order history, newest first (times in JST, the zone of the date in the order id)", () => import("./commands/orders.js"), (c) =>
    json(c)
      .option("--from <date>", "from (YYYY-MM-DD, ISO-8601 or Unix ms)")
      .option("--to <date>", "to (exclusive)")
      .option("--ticker <code>", "one ticker")
      .addOption(choice("--status <status>", "one status", ORDER_STATUSES))
      .addOption(int("--limit <n>", "page size", 1, 500))
      .addOption(int("--offset <n>", "skip this many", 0, MAX_ORDERS_OFFSET)),
  );
  top("order", "one order in full", () => import("./commands/order.js"), (c) => json(c).argument("<order_id>", "ORD_YYYYMMDD_NNN"));
  top("quotes", "latest quote of every instrument", () => import("./commands/quotes.js"), json);
  top("rates", "price bars from the broker (MT5), oldest first, as CSV or JSON", () => import("./commands/rates.js"), (c) =>
    json(c)
      .argument("<symbol>", "a ticker of `instruments` or the broker's symbol")
      .addOption(new Option("--timeframe <tf>", "bar timeframe").choices(TIMEFRAMES).default("M5").argParser((v) => {
        const tf = v.toUpperCase();
        if (!(TIMEFRAMES as readonly string[]).includes(tf)) throw new InvalidArgumentError(`Allowed choices are ${TIMEFRAMES.join(", ")}.`);
        return tf;
      }))
      .addOption(int("--count <n>", "how many bars", 1, 100_000, 100))
      .addOption(choice("--format <format>", "output format", ["csv", "json"], "csv")),
  );
  top("ping", "check that the daemon answers", () => import("./commands/ping.js"), json);
  top("kill", "activate the kill switch: stop all trading", () => import("./commands/kill.js"), (c) =>
    json(c).option("--reason <text>", "why (goes to the audit log)").option("--flatten", "also close every position"),
  );
  top("close", "close a position (TICKER) or every position (--all) through admission: an exit, never blocked by entry limits", () => import("./commands/close.js"), (c) =>
    json(c).argument("[ticker]", "the ticker to close").option("--all", "every position"),
  );
  top("cancel", "cancel a pending (limit/stop) order through admission", () => import("./commands/cancel.js"), (c) => json(c).argument("<order_id>", "ORD_YYYYMMDD_NNN"));
  top("resume", "lift the kill switch", () => import("./commands/resume.js"), (c) => json(c).option("--reason <text>", "why"));
  top("keys", "API keys for the public read routes: create | list | revoke ID", () => import("./commands/keys.js"), (c) =>
    json(c)
      .addArgument(new Argument("<action>", "what to do").choices(["create", "list", "revoke"]))
      .argument("[id]", "the key id (revoke)")
      .option("--name <name>", "a label for the key")
      .addOption(int("--expires-days <n>", "expire after N days", 1, 36_500)),
  );
  top("hash-password", "read a password (no echo on a terminal, else stdin) and print its bcrypt hash for ADMIN_PASSWORD_HASH", () => import("./commands/hash-password.js"));
  top("config", "config.json: get [KEY] | set KEY VALUE | unset KEY | path", () => import("./commands/config.js"), (c) =>
    json(c)
      .addArgument(new Argument("<action>", "what to do").choices(["get", "set", "unset", "path"]))
      .argument("[key]", "a dotted key, e.g. risk.maxDailyEntries")
      .argument("[value]", "the value (JSON when it parses, else a string)"),
  );
  top("top", "live view of status, positions, streams and quotes (q quits)", () => import("./commands/top.js"), (c) =>
    c.option("--once", "print one frame and exit").addOption(int("--interval <ms>", "refresh period in ms", 250, 3_600_000, 1000)),
  );
  top("events", "the daemon's events: recent history, then with --follow the live stream", () => import("./commands/events.js"), (c) =>
    json(c)
      .option("--follow", "keep streaming")
      .option("--type <prefix>", "only events whose type starts with this (order., signal., system., stream., broker.)")
      .addOption(int("--history <n>", "how many recent events first", 0, 1000, 20)),
  );
  top("report", "P&L, trades, signals, orders, streams and broker health of a period, from the journal (works with the daemon down)", () => import("./commands/report.js"), (c) =>
    json(c)
      .addOption(choice("--period <period>", "day, the week (Mon-Sun) or month containing --date, or --from..--to", REPORT_PERIODS, "day"))
      .option("--date <date>", "a JST day: YYYY-MM-DD, today or yesterday", "today")
      .option("--from <date>", "first JST day of a range (YYYY-MM-DD)")
      .option("--to <date>", "last JST day of a range, included (YYYY-MM-DD)")
      .addOption(choice("--format <format>", "output format", REPORT_FORMATS, "text"))
      .option("--output <file>", "write to FILE instead of stdout"),
  );
  top("doctor", "check the installation: node, home and permissions, config, secrets, daemon, port, TLS, exposure, bridge, feeds, clock", () => import("./commands/doctor.js"), json);
  const signal = program.command("signal").description("send alerts to a daemon's webhook, as TradingView would");
  command(signal, "send", "post an alert to a webhook (passphrase from WEBHOOK_SECRET or --passphrase-file, never an argument)", () => import("./commands/signal-send.js"), (c) =>
    json(c)
      .option("--url <url>", "webhook base URL (default: this home's daemon, http://HOST:PORT from config)")
      .option("--passphrase-file <file>", "read the passphrase from FILE (default: WEBHOOK_SECRET, else the paper mode's generated file)")
      .option("--alert <file>", "the alert message as TradingView would send it (JSON; - for stdin); the flags below override its fields")
      .addOption(choice("--action <action>", "alert action", SIGNAL_ACTIONS))
      .option("--ticker <code>", "TSE code, e.g. 9984")
      .addOption(int("--quantity <n>", "shares", 1, 100_000_000))
      .option("--price <price>", "market or a number (default: the alert's, else market)")
      .option("--test", "post to /webhook/test: a dry run that trades nothing"),
  );
  top("notify [action] [channel]", "notifications: test [CHANNEL] sends a test message (every channel without one) | status", () => import("./commands/notify.js"), (c) =>
    json(c),
  );
  const relay = program.command("relay").description("signal relay: publish to invited receivers, receive from senders (man tradectl-relay)");
  const relayCommand = (spec: string, description: string, load: Loader, configure: (c: Command) => Command = json) => command(relay, spec, description, load, configure);
  relayCommand("channel <action> [name]", "channels you publish on: create NAME [--from-webhook] | list | show NAME | delete NAME", () => import("./commands/relay-channel.js"), (c) =>
    json(c).option("--from-webhook", "also publish every signal this daemon's webhook accepts"),
  );
  relayCommand("invite <channel>", "a one-time invitation URL to receive a channel", () => import("./commands/relay-invite.js"), (c) =>
    json(c)
      .option("--note <text>", "shown to the receiver")
      .option("--expires <duration>", "how long it can be accepted: 30m, 12h, 7d", "7d")
      .option("--email <address>", "also mail it (relay.smtp)"),
  );
  relayCommand("receivers <channel>", "who receives a channel: state, who paused, delivered, failed, skipped", () => import("./commands/relay-receivers.js"));
  relayCommand("pause <channel> <receiver>", "stop delivering a channel to one receiver (signals meanwhile are skipped)", () => import("./commands/relay-pause.js").then((m) => ({ run: m.pause })));
  relayCommand("resume <channel> <receiver>", "start delivering to a receiver you paused", () => import("./commands/relay-pause.js").then((m) => ({ run: m.resume })));
  relayCommand("accept <url>", "accept an invitation: this daemon receives the channel", () => import("./commands/relay-accept.js"), (c) =>
    json(c).option("--sizing <factor>", "multiply each signal's quantity (rounded down to lots of 100)", "1"),
  );
  relayCommand("subscriptions", "channels this daemon receives: state, who paused, sizing, received", () => import("./commands/relay-subscriptions.js").then((m) => ({ run: m.list })));
  relayCommand("subscription <action> <id>", "pause ID | resume ID: stop or restart receiving (the sender is told)", () => import("./commands/relay-subscriptions.js").then((m) => ({ run: m.setState })));
  relayCommand("status [channel]", "per receiver: state, delivered, failed, skipped, last error, p50/p99 of each hop", () => import("./commands/relay-status.js"));
  top("completion", "print a shell completion script: bash, zsh or fish", () => import("./commands/completion.js"), (c) =>
    c.addArgument(new Argument("<shell>", "the shell").choices(SHELLS)),
  );
  return program;
}
