/**
 * The composition root: builds every part from config, starts them in order, stops them in reverse.
 * The only module that knows every concrete part.
 */
import { chmodSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import type { FastifyInstance } from "fastify";
import { buildApp, type ObservedAnswer } from "../api/app.js";
import type { ApiDeps } from "../api/deps.js";
import { ConfigStore } from "../config/store.js";
import { daemonSocketPath, removeDaemonRecord, resolvePaths, writeDaemonRecord, type InstancePaths } from "../config/paths.js";
import { readSecret } from "../config/secrets.js";
import type { TradectlConfig } from "../config/types.js";
import { systemClock, type Clock } from "../domain/clock.js";
import { isMarketOpen } from "../domain/market-hours.js";
import { midPrice } from "../domain/types.js";
import { settleWithin } from "../domain/settle-within.js";
import { Control } from "../engine/control.js";
import type { AdmissionPolicy } from "../engine/admission.js";
import { Engine } from "../engine/engine.js";
import { makeEnvelope } from "../engine/envelope.js";
import { EventBus } from "../engine/event-bus.js";
import { KillSwitch } from "../engine/kill-switch.js";
import { QuoteBook } from "../engine/quote-book.js";
import { createLogger, type Logger } from "../log/logger.js";
import { Redactor } from "../log/redact.js";
import { Pair, redisTarget } from "../cluster/pair.js";
import { redisRateLimitStore } from "../cluster/rate-limit-store.js";
import { WatchedLedger } from "../cluster/watched-ledger.js";
import { clockedStore } from "../api/rate-limit-store.js";
import { AlertLog } from "../store/alert-log.js";
import { ApiKeys } from "../store/api-keys.js";
import { AuditLog } from "../store/audit-log.js";
import { Checkpointer } from "../store/checkpointer.js";
import { Database } from "../store/database.js";
import { SqliteIdempotencyStore } from "../store/idempotency-store.js";
import { Journal } from "../store/journal.js";
import { Ledger } from "../store/ledger.js";
import { Marks } from "../store/marks.js";
import { SqliteStateStore } from "../store/state-store.js";
import { Relay } from "../relay/relay.js";
import { WebhookService } from "../webhook/webhook-service.js";
import { packageVersion } from "../feeds/package-root.js";
import { buildBroker } from "./build-broker.js";
import { Reconciler } from "./reconciler.js";
import { FeedSet } from "./feed-set.js";
import { buildHealth } from "./health.js";
import { InstanceLock } from "./instance-lock.js";
import { buildPlanDeps, instrumentSpec } from "./plan-deps.js";
import { PriceWatch } from "../engine/price-watch.js";
import { SqliteStopBook } from "../store/stop-book.js";
import { flattenAll } from "./flatten.js";
import { submitCliSignal } from "./cli-signals.js";
import { isBcryptHash, resolveWebhookSecrets } from "./webhook-secret.js";
import { configChanges } from "./live-keys.js";
import { feedsToRun } from "./feeds-to-run.js";
import { buildNotifier } from "./build-notifier.js";
import { Metrics } from "../metrics/metrics.js";
import { instrumentBroker } from "../metrics/instrument-broker.js";
import { startMetricsServer } from "../metrics/metrics-server.js";
import type { Notifier } from "../notify/notifier.js";

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
  /** Told of every answer either server's routes send (the contract test). */
  observeAnswer?: (answer: ObservedAnswer) => void;
}

export interface ReloadResult {
  /** Changed keys now in effect (webhook.tls: the certificate files were read again). */
  applied: string[];
  /** Changed keys read only at start: in effect after a restart. */
  restartNeeded: string[];
}

export interface DaemonHandle {
  url: string;
  socketPath: string;
  paths: InstancePaths;
  passphraseFile: string | null;
  engine: Engine;
  control: Control;
  logger: Logger;
  /** Re-reads config.json and applies the keys that can change live (SIGHUP); says which changed keys need a restart. */
  notifier: Notifier;
  /** GET /metrics on 127.0.0.1 when `metrics.port` is set. */
  metricsUrl: string | null;
  /** What both servers were built from, and the servers themselves (tests reach them with `inject`). */
  apiDeps: ApiDeps;
  apps: { public: FastifyInstance; control: FastifyInstance };
  reload(): Promise<ReloadResult>;
  /** Stops cleanly; `reason` goes into the system.stopping event (and its notification). */
  stop(reason?: string): Promise<void>;
}

export async function startDaemon(opts: DaemonOptions = {}): Promise<DaemonHandle> {
  const env = opts.env ?? process.env;
  const clock = opts.clock ?? systemClock;
  const paths = resolvePaths(opts.home, env);
  const socketPath = daemonSocketPath(paths, env);
  // The journal, logs and generated passphrase are the owner's alone.
  process.umask(0o077);
  for (const dir of [paths.configDir, paths.stateDir, paths.logsDir, dirname(socketPath)]) mkdirSync(dir, { recursive: true, mode: 0o700 });

  const configStore = new ConfigStore(paths.configFile);
  let config = applyOverrides(configStore.read(), opts.overrides);
  const lock = new InstanceLock(paths.lockFile, socketPath);
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
    redactor.addSecretValues(
      secrets.current,
      secrets.previous ?? undefined,
      readSecret("OANDA_TOKEN", env),
      readSecret("MT5_BRIDGE_TOKEN", env),
      adminHash(),
      readSecret("REDIS_PASSWORD", env),
      readSecret("REDIS_URL", env),
      readSecret("RELAY_SMTP_PASSWORD", env),
    );
    const logger = createLogger({ level: config.log.level, logsDir: paths.logsDir, console: opts.console ?? false, redactor });
    cleanups.push(() => logger.close());
    const givenHash = adminHash();
    if (givenHash && !isBcryptHash(givenHash)) {
      // Live mode refused this above; paper mode runs, but every admin route will refuse every password.
      logger.warn("ADMIN_PASSWORD_HASH is not a bcrypt hash: the admin routes will refuse every password (set the output of `tradectl hash-password`)");
    }

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
    // A hot-standby pair shares state through Redis (redis.url or REDIS_URL); without it nothing of the pair exists.
    const paired = redisTarget(config, env) !== null;
    const ledger = paired ? new WatchedLedger(db) : new Ledger(db);
    const state = new SqliteStateStore(db);
    const audit = new AuditLog(db);
    const alerts = new AlertLog(db);
    const apiKeys = new ApiKeys(db);
    const idempotency = new SqliteIdempotencyStore(db);
    const killSwitch = new KillSwitch(state);
    const stops = new SqliteStopBook(db);

    const bus = new EventBus((err, e) => logger.error("event listener failed", { type: e.type, error: err }));
    bus.on("*", (e) => {
      audit.append(redactor.redact(e));
    });
    if (config.metrics.enabled) {
      const m = new Metrics(bus);
      metrics = m;
      cleanups.push(() => m.close());
    }
    const pair = paired ? new Pair({ config, env, stateDir: paths.stateDir, journal, ledger, idempotency, stops, state, killSwitch, bus, now: () => clock.now(), logger }) : null;
    if (pair && ledger instanceof WatchedLedger) ledger.onFill = (f, realized) => pair.filled(f, realized);

    const quotes = new QuoteBook((t) => config.instruments[t]?.symbol ?? t);
    const rawBroker = buildBroker(config, { ledger, quotes, clock, env, logger, instruments: () => config.instruments });
    const broker = metrics ? instrumentBroker(rawBroker, metrics) : rawBroker;
    cleanups.push(() => broker.close?.());
    // Order planning puts prices on each symbol's grid and sizes orders from the account: read them once now.
    await broker.refreshSpecs?.().catch((err: Error) => logger.warn("instrument specs could not be read from the broker yet", { error: err.message }));
    await broker.accountInfo().catch(() => undefined);

    const isLeader = () => pair === null || pair.lease.current() !== null;
    let watch: PriceWatch | null = null;
    // Protective stops, trailing moves and paper fills of resting orders change orders: the pair's leader alone.
    const onQuote = (ticker: string) => {
      if (isLeader()) watch?.onQuote(ticker).catch((err: Error) => logger.error("protective orders failed", { ticker, error: err.message }));
    };
    const feeds = new FeedSet({ bus, quotes, logger, clock, env, state, journal, ledger, instruments: () => config.instruments, appliesTransactions: isLeader, onQuote });
    const health = buildHealth({
      db,
      broker,
      feeds,
      clock,
      onChange: (s) => bus.publish(makeEnvelope("broker.state", `broker:${broker.kind}`, { kind: broker.kind, ...s }, { time: clock.now() })),
      ...(pair ? { redis: pair } : {}),
    });
    let reconciler: Reconciler | null = null;
    const engine = new Engine({
      journal,
      ledger,
      idempotency,
      broker,
      bus,
      clock,
      killSwitch,
      quotes,
      logger,
      policy: () => admissionPolicy(config),
      brokerStatus: health.brokerStatus,
      reconciliationBlock: (ticker) => reconciler?.blockFor(ticker) ?? null,
      ...(pair
        ? {
            pair: {
              admission: pair.store,
              permit: pair.lease,
              onRedisDown: () => config.cluster.onRedisDown,
              admittedAlone: (ids: string[]) => pair.admittedAlone(ids),
              settled: (id: string) => pair.settled(id),
            },
          }
        : {}),
      stops,
      plan: buildPlanDeps({ journal, ledger, stops, quotes, broker, instruments: () => config.instruments, allowShort: () => config.risk.allowShort }),
    });
    if (pair) pair.execute = (orderId) => engine.recheck(orderId);
    watch = new PriceWatch({
      engine,
      journal,
      ledger,
      stops,
      broker,
      instrument: (t) => instrumentSpec(t, config.instruments[t], broker),
      quoteOf: (t) => quotes.forTicker(t),
      clock,
      signalTtlMs: () => config.webhook.signalTtlMs,
      logger,
    });
    const sweep = setInterval(() => {
      if (isLeader()) watch?.sweep().catch((err: Error) => logger.error("pending order expiry failed", { error: err.message }));
    }, 1000);
    sweep.unref();
    cleanups.push(() => clearInterval(sweep));
    // MT5: the journal is compared with the broker at start and every broker.mt5.syncSeconds.
    reconciler =
      broker.kind === "mt5"
        ? new Reconciler({ broker, journal, ledger, engine, bus, clock, logger, magic: config.broker.mt5.magic, periodMs: config.broker.mt5.syncSeconds * 1000, active: isLeader })
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
      brokerState: health.brokerState,
      flatten: (reason) => flattenAll({ engine, ledger, clock, reason, signalTtlMs: config.webhook.signalTtlMs }),
      submit: (req) => submitCliSignal({ engine, journal, clock, signalTtlMs: config.webhook.signalTtlMs }, req),
      stopsOf: (ticker) => stops.get(ticker),
      ...(reconciler ? { blockedTickers: () => reconciler!.blockedTickers(), reconciliation: () => reconciler!.view() } : {}),
      ...(pair ? { cluster: () => pair.view() } : {}),
      notifications: () => notifier.status(),
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
    const webhook = new WebhookService({ secrets, config: () => config, clock, engine, alerts, bus, logger, redactor, quotes });
    const relay = new Relay({ db, engine, bus, clock, logger, config: () => config, smtpPassword: () => readSecret("RELAY_SMTP_PASSWORD", env) });
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
      relay,
      adminPasswordHash: adminHash,
      metrics,
      notifier,
      ...(pair
        ? { rateLimitStore: redisRateLimitStore(() => pair.link.cmd, pair.keys.rateLimit, clockedStore(clock) as never, (err) => logger.warn("rate limits: Redis unreachable, counting on this daemon alone", { error: err.message })) }
        : {}),
    };

    // The control socket first (so the CLI can see a starting daemon); the public port once the daemon is ready.
    const controlApp = await buildApp({ kind: "control", deps, ...(opts.observeAnswer ? { observe: opts.observeAnswer } : {}) });
    rmSync(socketPath, { force: true });
    await controlApp.listen({ path: socketPath });
    chmodSync(socketPath, 0o600);
    cleanups.push(async () => {
      await controlApp.close();
      rmSync(socketPath, { force: true });
    });
    // Where this daemon listens, in a fixed place under the state folder: the CLI finds it without XDG_RUNTIME_DIR.
    const record = { pid: process.pid, socket: socketPath, webhook_url: "", started_at: new Date(clock.now()).toISOString(), version: packageVersion() };
    writeDaemonRecord(paths, record);
    cleanups.push(() => removeDaemonRecord(paths));


    // Before the feeds and the broker report their first states: a report's timelines begin each run here.
    bus.publish(makeEnvelope("system.started", "daemon", { pid: process.pid, version: packageVersion(), broker: broker.kind, socket: socketPath }, { time: clock.now() }));
    feeds.start(feedsToRun(config, logger));
    cleanups.push(() => feeds.stop());
    health.startBrokerPolling(config);
    cleanups.push(() => health.stop());
    const purge = setInterval(() => idempotency.purgeExpired(clock.now()), 60_000);
    purge.unref();
    cleanups.push(() => clearInterval(purge));
    // The held tickers' prices, kept per JST day, so that a report of a past period can mark what was held at its end.
    const marks = new Marks(db);
    const mark = () => {
      const now = clock.now();
      for (const p of ledger.positions()) {
        const q = quotes.forTicker(p.ticker);
        if (q) marks.record(p.ticker, midPrice(q), now);
      }
    };
    const marking = setInterval(mark, MARK_EVERY_MS);
    marking.unref();
    cleanups.push(() => {
      clearInterval(marking);
      mark();
    });

    if (pair) {
      // In a pair the leader's term takes over the open orders (looked up before anything is sent), not the start.
      pair.start();
      cleanups.push(() => pair.stop());
    }
    if (reconciler) {
      // Reconcile before resuming: fills made while the daemon was down are recorded first.
      await reconciler.start();
      cleanups.push(() => reconciler.stop());
    }
    if (!pair) await engine.resume();

    // The public port opens last: no alert is taken before the broker has been reconciled and the orders left
    // open by the last run are back in the queues (they go first on their tickers).
    const publicApp = await buildApp({ kind: "public", deps, https: loadTls(config), trustProxy: config.webhook.trustProxy, ...(opts.observeAnswer ? { observe: opts.observeAnswer } : {}) });
    const address = await publicApp.listen({ host: config.webhook.host, port: config.webhook.port });
    const url = address.replace("0.0.0.0", "127.0.0.1");
    writeDaemonRecord(paths, { ...record, webhook_url: url });
    let publicClosed = false;
    const closePublic = async () => {
      if (publicClosed) return;
      publicClosed = true;
      await publicApp.close();
    };
    cleanups.push(closePublic);
    // The relay's deliveries (pending from the last run too) go out once this daemon can answer its receivers.
    relay.start(url);
    cleanups.push(() => relay.stop());
    let metricsUrl: string | null = null;
    if (metrics && config.metrics.port !== null) {
      const server = await startMetricsServer(metrics, config.metrics.port);
      metricsUrl = server.url;
      cleanups.push(() => server.close());
    }
    logger.info("tradectl daemon ready", {
      webhook_url: `${url}/webhook`,
      socket: socketPath,
      broker: broker.kind,
      home: paths.stateDir,
      ...(metricsUrl ? { metrics: metricsUrl } : {}),
      ...(secrets.generatedFile ? { generated_webhook_credential_file: secrets.generatedFile } : {}),
    });

    let stopped: Promise<void> | null = null;
    return {
      url,
      socketPath,
      paths,
      passphraseFile: secrets.generatedFile,
      engine,
      control,
      logger,
      notifier,
      metricsUrl,
      apiDeps: deps,
      apps: { public: publicApp, control: controlApp },
      async reload() {
        const next = applyOverrides(configStore.read(), opts.overrides);
        const { live, restart } = configChanges(config, next);
        // Keys already stored must live as long as the new window lets the same alert be accepted.
        idempotency.extendAll(next.webhook.timestampWindowMs - config.webhook.timestampWindowMs, clock.now());
        // Keys read only at start keep their running values, so a later reload still reports them as pending.
        config = {
          ...next,
          webhook: { ...next.webhook, host: config.webhook.host, port: config.webhook.port, trustProxy: config.webhook.trustProxy },
          broker: config.broker,
          feeds: config.feeds,
          redis: config.redis,
          cluster: config.cluster,
        };
        if (live.includes("log.level")) logger.setLevel(config.log.level);
        const applied = live.filter((k) => k !== "webhook.tls");
        const tls = loadTls(config);
        if (tls && publicApp.server && "setSecureContext" in publicApp.server) {
          (publicApp.server as unknown as { setSecureContext(o: object): void }).setSecureContext(tls);
          applied.push("webhook.tls");
        }
        logger.info("configuration reloaded", { applied, restart_needed: restart });
        if (restart.length) logger.warn(`configuration reloaded, but these keys apply only after a restart: ${restart.join(", ")}`, { restart_needed: restart });
        return { applied, restartNeeded: restart };
      },
      stop(reason = "stop requested") {
        stopped ??= (async () => {
          engine.publishAnswered(); // the events of the last answers come before this run's end
          logger.info("tradectl daemon stopping", { reason });
          bus.publish(makeEnvelope("system.stopping", "daemon", { pid: process.pid, reason, in_flight: engine.pendingCount }, { time: clock.now() }));
          await closePublic(); // stop taking alerts
          await settleWithin(engine.stop(), 3000);
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

function admissionPolicy(c: TradectlConfig): AdmissionPolicy {
  return {
    riskRules: (ticker) => ({ ...c.risk, marketHours: c.instruments[ticker]?.calendar ?? c.risk.marketHours }),
    timestampWindowMs: c.webhook.timestampWindowMs,
  };
}

const MARK_EVERY_MS = 60_000;

function loadTls(c: TradectlConfig): { cert: Buffer; key: Buffer } | null {
  if (!c.webhook.tls.cert || !c.webhook.tls.key) return null;
  return { cert: readFileSync(c.webhook.tls.cert), key: readFileSync(c.webhook.tls.key) };
}
