/**
 * The composition root: builds every part from config, starts them in order, stops them in reverse.
 * The only module that knows every concrete part.
 */
import { chmodSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { buildApp } from "../api/app.js";
import type { ApiDeps } from "../api/deps.js";
import { ConfigStore } from "../config/store.js";
import { resolvePaths, type InstancePaths } from "../config/paths.js";
import { readSecret } from "../config/secrets.js";
import type { TradectlConfig } from "../config/types.js";
import { systemClock, type Clock } from "../domain/clock.js";
import { isMarketOpen } from "../domain/market-hours.js";
import { settleWithin } from "../domain/settle-within.js";
import { Control } from "../engine/control.js";
import { Engine } from "../engine/engine.js";
import { EventBus } from "../engine/event-bus.js";
import { KillSwitch } from "../engine/kill-switch.js";
import { QuoteBook } from "../engine/quote-book.js";
import { createLogger, type Logger } from "../log/logger.js";
import { Redactor } from "../log/redact.js";
import { AlertLog } from "../store/alert-log.js";
import { ApiKeys } from "../store/api-keys.js";
import { AuditLog } from "../store/audit-log.js";
import { Checkpointer } from "../store/checkpointer.js";
import { Database } from "../store/database.js";
import { SqliteIdempotencyStore } from "../store/idempotency-store.js";
import { Journal } from "../store/journal.js";
import { Ledger } from "../store/ledger.js";
import { SqliteStateStore } from "../store/state-store.js";
import { WebhookService } from "../webhook/webhook-service.js";
import { buildBroker } from "./build-broker.js";
import { Reconciler } from "./reconciler.js";
import { FeedSet } from "./feed-set.js";
import { buildHealth } from "./health.js";
import { InstanceLock } from "./instance-lock.js";
import { flattenAll } from "./flatten.js";
import { resolveWebhookSecrets } from "./webhook-secret.js";
import { buildNotifier } from "./build-notifier.js";
import { Metrics } from "../metrics/metrics.js";
import { instrumentBroker } from "../metrics/instrument-broker.js";
import { startMetricsServer } from "../metrics/metrics-server.js";
import type { Notifier } from "../notify/notifier.js";
import { makeEnvelope } from "../engine/envelope.js";

export interface DaemonOverrides {
  host?: string;
  port?: number;
  broker?: "paper" | "mt5";
  /** Replaces the configured feeds with one replay feed of this file. */
  feed?: string;
}

export interface DaemonOptions {
  home?: string;
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  overrides?: DaemonOverrides;
  /** Print human log lines to the console (the `daemon` command does; in-process tests do not). */
  console?: boolean;
}

export interface DaemonHandle {
  url: string;
  socketPath: string;
  paths: InstancePaths;
  passphraseFile: string | null;
  engine: Engine;
  control: Control;
  logger: Logger;
  notifier: Notifier;
  /** GET /metrics on 127.0.0.1 when `metrics.port` is set. */
  metricsUrl: string | null;
  /** Re-reads config.json and applies the keys that can change live (SIGHUP). */
  reload(): Promise<string[]>;
  /** Stops cleanly; `reason` goes into the system.stopping event (and its notification). */
  stop(reason?: string): Promise<void>;
}

export async function startDaemon(opts: DaemonOptions = {}): Promise<DaemonHandle> {
  const env = opts.env ?? process.env;
  const clock = opts.clock ?? systemClock;
  const paths = resolvePaths(opts.home, env);
  // The journal, logs and generated passphrase are the owner's alone.
  process.umask(0o077);
  for (const dir of [paths.configDir, paths.stateDir, paths.logsDir]) mkdirSync(dir, { recursive: true, mode: 0o700 });

  const configStore = new ConfigStore(paths.configFile);
  let config = applyOverrides(configStore.read(), opts.overrides);
  const lock = new InstanceLock(paths.lockFile, paths.socketPath);
  lock.acquire();

  const cleanups: Array<() => Promise<void> | void> = [() => lock.release()];
  const runCleanups = async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
  };
  try {
    const live = config.broker.kind === "mt5";
    const secrets = resolveWebhookSecrets({ live, passphraseFile: paths.passphraseFile, env });
    const redactor = new Redactor();
    const adminHash = () => readSecret("ADMIN_PASSWORD_HASH", env);
    redactor.addSecretValues(secrets.current, secrets.previous ?? undefined, readSecret("OANDA_TOKEN", env), readSecret("MT5_BRIDGE_TOKEN", env), adminHash());
    const logger = createLogger({ level: config.log.level, logsDir: paths.logsDir, console: opts.console ?? false, redactor });
    cleanups.push(() => logger.close());

    const db = new Database(paths.dbFile, { autoCheckpoint: false });
    cleanups.push(() => db.close());
    const checkpointer = new Checkpointer(paths.dbFile, (message) => logger.warn("journal checkpoint failed", { message }));
    let metrics: Metrics | null = null;
    db.onCommit = (ms, kind) => {
      checkpointer.wrote();
      metrics?.journalCommit(ms, kind);
    };
    checkpointer.onCheckpoint = (report) => logger.debug("journal checkpointed", { ...report });
    db.onFlushError = (err, rows) => logger.error("journal: batched audit rows could not be written", { rows, error: err.message });
    cleanups.push(() => checkpointer.stop());
    const journal = new Journal(db);
    const ledger = new Ledger(db);
    const state = new SqliteStateStore(db);
    const audit = new AuditLog(db);
    const alerts = new AlertLog(db);
    const apiKeys = new ApiKeys(db);
    const idempotency = new SqliteIdempotencyStore(db);
    const killSwitch = new KillSwitch(state);

    const bus = new EventBus((err, e) => logger.error("event listener failed", { type: e.type, error: err }));
    bus.on("*", (e) => {
      audit.append(redactor.redact(e));
    });
    if (config.metrics.enabled) {
      const m = new Metrics(bus);
      metrics = m;
      cleanups.push(() => m.close());
    }

    const quotes = new QuoteBook((t) => config.instruments[t]?.symbol ?? t);
    const rawBroker = buildBroker(config, { ledger, quotes, clock, env, logger, instruments: () => config.instruments });
    const broker = metrics ? instrumentBroker(rawBroker, metrics) : rawBroker;
    cleanups.push(() => broker.close?.());

    const feeds = new FeedSet({ bus, quotes, logger, clock, env, state, journal, ledger, instruments: () => config.instruments });
    const engine = new Engine({ journal, ledger, broker, bus, clock, killSwitch, logger });
    // MT5: the journal is compared with the broker at start and every broker.mt5.syncSeconds.
    const reconciler =
      broker.kind === "mt5"
        ? new Reconciler({ broker, journal, ledger, engine, bus, clock, logger, magic: config.broker.mt5.magic, periodMs: config.broker.mt5.syncSeconds * 1000 })
        : null;
    const control = new Control({
      journal,
      ledger,
      broker,
      quotes,
      killSwitch,
      bus,
      clock,
      risk: () => config.risk,
      marketOpen: (now) => isMarketOpen(config.risk.marketHours, now),
      streams: () => feeds.statuses(),
      flatten: (reason) => flattenAll({ engine, ledger, clock, reason, signalTtlMs: config.webhook.signalTtlMs }),
      ...(reconciler ? { blockedTickers: () => reconciler.blockedTickers(), reconciliation: () => reconciler.view() } : {}),
      notifications: () => notifier.status(),
    });
    const health = buildHealth({
      db,
      broker,
      feeds,
      clock,
      onChange: (s) => bus.publish(makeEnvelope("broker.state", `broker:${broker.kind}`, { kind: broker.kind, ...s }, { time: clock.now() })),
    });
    const notifier = buildNotifier({ config: config.notify, bus, db, state, control, clock, env, logger, redactor, metrics });
    notifier.start();
    cleanups.push(() => notifier.stop(1000));
    metrics?.setSources({
      streams: () => feeds.statuses(),
      brokerConnected: () => health.brokerStatus().connected,
      killSwitchActive: () => killSwitch.active,
      walFile: `${paths.dbFile}-wal`,
      notifications: () => notifier.status(),
      now: () => clock.now(),
    });
    const webhook = new WebhookService({
      secrets,
      config: () => config,
      clock,
      engine,
      control,
      journal,
      alerts,
      idempotency,
      killSwitch,
      bus,
      logger,
      redactor,
      quotes,
      brokerHealth: health.brokerStatus,
      ...(reconciler ? { reconciliationBlock: (ticker: string) => reconciler.blockFor(ticker) } : {}),
    });
    const startedAt = Date.now();
    const deps: ApiDeps = {
      control,
      bus,
      audit,
      apiKeys,
      db,
      clock,
      logger,
      redactor,
      config: () => config,
      health: health.report,
      startedAt,
      webhook,
      adminPasswordHash: adminHash,
      metrics,
      notifier,
    };

    // The control socket first (so the CLI can see a starting daemon); the public port once the daemon is ready.
    const controlApp = await buildApp({ kind: "control", deps });
    rmSync(paths.socketPath, { force: true });
    await controlApp.listen({ path: paths.socketPath });
    chmodSync(paths.socketPath, 0o600);
    cleanups.push(async () => {
      await controlApp.close();
      rmSync(paths.socketPath, { force: true });
    });


    feeds.start(config.feeds.length ? config.feeds : DEFAULT_FEEDS);
    cleanups.push(() => feeds.stop());
    health.startBrokerPolling(config);
    cleanups.push(() => health.stop());
    const purge = setInterval(() => idempotency.purgeExpired(clock.now()), 60_000);
    purge.unref();
    cleanups.push(() => clearInterval(purge));

    if (reconciler) {
      // Reconcile before resuming: fills made while the daemon was down are recorded first.
      await reconciler.start();
      cleanups.push(() => reconciler.stop());
    }
    const resumed = await engine.resume();

    // The public port opens last: no alert is taken before the broker has been reconciled and the orders left
    // open by the last run are back in the queues (they go first on their tickers).
    const publicApp = await buildApp({ kind: "public", deps, https: loadTls(config), trustProxy: config.webhook.trustProxy });
    const address = await publicApp.listen({ host: config.webhook.host, port: config.webhook.port });
    const url = address.replace("0.0.0.0", "127.0.0.1");
    let publicClosed = false;
    const closePublic = async () => {
      if (publicClosed) return;
      publicClosed = true;
      await publicApp.close();
    };
    cleanups.push(closePublic);
    let metricsUrl: string | null = null;
    if (metrics && config.metrics.port !== null) {
      const server = await startMetricsServer(metrics, config.metrics.port);
      metricsUrl = server.url;
      cleanups.push(() => server.close());
    }
    bus.publish(makeEnvelope("system.started", "daemon", { pid: process.pid, version: VERSION, broker: broker.kind, socket: paths.socketPath, resumed_orders: resumed }, { time: clock.now() }));
    logger.info("tradectl daemon ready", {
      webhook_url: `${url}/webhook`,
      socket: paths.socketPath,
      broker: broker.kind,
      home: paths.stateDir,
      ...(metricsUrl ? { metrics: metricsUrl } : {}),
      ...(secrets.generatedFile ? { generated_webhook_credential_file: secrets.generatedFile } : {}),
    });

    let stopped: Promise<void> | null = null;
    return {
      url,
      socketPath: paths.socketPath,
      paths,
      passphraseFile: secrets.generatedFile,
      engine,
      control,
      logger,
      notifier,
      metricsUrl,
      async reload() {
        const next = applyOverrides(configStore.read(), opts.overrides);
        const changed = liveKeysChanged(config, next);
        config = { ...next, webhook: { ...next.webhook, host: config.webhook.host, port: config.webhook.port }, broker: config.broker };
        const tls = loadTls(config);
        if (tls && publicApp.server && "setSecureContext" in publicApp.server) {
          (publicApp.server as unknown as { setSecureContext(o: object): void }).setSecureContext(tls);
          changed.push("webhook.tls");
        }
        logger.info("configuration reloaded", { changed });
        return changed;
      },
      stop(reason = "stop requested") {
        stopped ??= (async () => {
          logger.info("tradectl daemon stopping", { reason });
          bus.publish(makeEnvelope("system.stopping", "daemon", { pid: process.pid, reason, in_flight: engine.pendingCount }, { time: clock.now() }));
          await closePublic(); // stop taking alerts
          await settleWithin(engine.drain(), 3000);
          await runCleanups();
        })();
        return stopped;
      },
    };
  } catch (err) {
    await runCleanups();
    throw err;
  }
}

function applyOverrides(c: TradectlConfig, o: DaemonOverrides | undefined): TradectlConfig {
  if (!o) return c;
  return {
    ...c,
    webhook: { ...c.webhook, ...(o.host ? { host: o.host } : {}), ...(o.port !== undefined ? { port: o.port } : {}) },
    broker: { ...c.broker, ...(o.broker ? { kind: o.broker } : {}) },
    feeds: o.feed ? [{ name: "replay", kind: "replay", stream: "prices", url: o.feed }] : c.feeds,
  };
}

const VERSION = process.env.npm_package_version ?? "0.1.0";

/** Without configured feeds: the bundled recording, replayed in real time. */
const DEFAULT_FEEDS: TradectlConfig["feeds"] = [{ name: "replay", kind: "replay", stream: "prices", speed: 1 }];

function loadTls(c: TradectlConfig): { cert: Buffer; key: Buffer } | null {
  if (!c.webhook.tls.cert || !c.webhook.tls.key) return null;
  return { cert: readFileSync(c.webhook.tls.cert), key: readFileSync(c.webhook.tls.key) };
}

/** Keys that take effect without a restart: risk, rate limits, allowlist, timing windows, instruments, log level. */
function liveKeysChanged(a: TradectlConfig, b: TradectlConfig): string[] {
  const keys: Array<[string, unknown, unknown]> = [
    ["risk", a.risk, b.risk],
    ["webhook.ipAllowlist", a.webhook.ipAllowlist, b.webhook.ipAllowlist],
    ["webhook.rateLimits", a.webhook.rateLimits, b.webhook.rateLimits],
    ["webhook.syncBudgetMs", a.webhook.syncBudgetMs, b.webhook.syncBudgetMs],
    ["webhook.timestampWindowMs", a.webhook.timestampWindowMs, b.webhook.timestampWindowMs],
    ["webhook.signalTtlMs", a.webhook.signalTtlMs, b.webhook.signalTtlMs],
    ["instruments", a.instruments, b.instruments],
    ["log.level", a.log.level, b.log.level],
  ];
  return keys.filter(([, x, y]) => JSON.stringify(x) !== JSON.stringify(y)).map(([k]) => k);
}

