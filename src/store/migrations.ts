/** Versioned schema migrations; each runs once, in order, inside a transaction. Never edit a shipped one: add the next. */
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: "initial journal",
    sql: `
      CREATE TABLE alerts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        request_id TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        path TEXT NOT NULL,
        source_ip TEXT,
        content_type TEXT,
        body TEXT NOT NULL,            -- the raw alert with the passphrase removed
        status_code INTEGER,
        error_code TEXT,
        signal_id TEXT
      );
      CREATE INDEX alerts_received ON alerts(received_at);

      CREATE TABLE signals (
        id TEXT PRIMARY KEY,
        request_id TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        ticker TEXT NOT NULL,
        action TEXT NOT NULL,
        quantity INTEGER NOT NULL,
        payload TEXT NOT NULL,         -- the normalised Signal as JSON
        status TEXT NOT NULL,          -- accepted | rejected | expired | done
        reason TEXT,
        order_id TEXT,
        idempotency_key TEXT NOT NULL
      );
      CREATE INDEX signals_status ON signals(status);

      CREATE TABLE orders (
        order_id TEXT PRIMARY KEY,
        signal_id TEXT NOT NULL,
        request_id TEXT NOT NULL,
        ticker TEXT NOT NULL,
        action TEXT NOT NULL,
        quantity INTEGER NOT NULL,
        order_type TEXT NOT NULL,
        limit_price REAL,
        stop_loss REAL,
        take_profit REAL,
        reference_price REAL,
        status TEXT NOT NULL,
        fill_price REAL,
        filled_quantity INTEGER NOT NULL DEFAULT 0,
        fee REAL NOT NULL DEFAULT 0,
        broker_order_id TEXT,
        error_code TEXT,
        error_message TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        submitted_at INTEGER,
        filled_at INTEGER,
        expires_at INTEGER NOT NULL,
        trading_date TEXT NOT NULL
      );
      CREATE INDEX orders_status ON orders(status);
      CREATE INDEX orders_created ON orders(created_at);
      CREATE INDEX orders_ticker ON orders(ticker);

      CREATE TABLE order_seq (trading_date TEXT PRIMARY KEY, last INTEGER NOT NULL);

      CREATE TABLE fills (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        order_id TEXT,
        ticker TEXT NOT NULL,
        action TEXT NOT NULL,
        quantity INTEGER NOT NULL,
        price REAL NOT NULL,
        fee REAL NOT NULL DEFAULT 0,
        realized_pnl REAL NOT NULL DEFAULT 0,
        time INTEGER NOT NULL,
        broker_deal_id TEXT UNIQUE
      );
      CREATE INDEX fills_time ON fills(time);

      CREATE TABLE positions (
        ticker TEXT PRIMARY KEY,
        quantity INTEGER NOT NULL,
        avg_price REAL NOT NULL,
        opened_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );

      CREATE TABLE events (
        id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL UNIQUE,
        type TEXT NOT NULL,
        time TEXT NOT NULL,
        source TEXT NOT NULL,
        correlation_id TEXT,
        payload TEXT NOT NULL,
        meta TEXT NOT NULL
      );
      CREATE INDEX events_type ON events(type);

      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,     -- SHA-256 of the key; the key itself is never stored
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        last_used_at INTEGER,
        revoked_at INTEGER
      );

      CREATE TABLE idempotency (
        key TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        status_code INTEGER NOT NULL,
        response TEXT NOT NULL,
        signal_id TEXT
      );
      CREATE INDEX idempotency_expires ON idempotency(expires_at);

      CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL);
    `,
  },
  {
    version: 2,
    name: "indexes, and per-day risk counters kept by triggers",
    sql: `
      CREATE INDEX orders_action_created ON orders(action, created_at);
      CREATE INDEX fills_order ON fills(order_id);

      -- What the risk rules read on every alert, kept up to date by the same transactions that change orders and
      -- fills (so a rollback undoes both): entries and exits that count (not rejected, expired or failed) and the
      -- realised P&L, per JST trading day.
      CREATE TABLE daily_counters (
        trading_date TEXT PRIMARY KEY,
        entries INTEGER NOT NULL DEFAULT 0,
        exits INTEGER NOT NULL DEFAULT 0,
        realized_pnl REAL NOT NULL DEFAULT 0
      );
      CREATE TRIGGER orders_count_insert AFTER INSERT ON orders
      WHEN NEW.status NOT IN ('rejected', 'expired', 'failed') BEGIN
        INSERT INTO daily_counters (trading_date) VALUES (NEW.trading_date) ON CONFLICT DO NOTHING;
        UPDATE daily_counters SET entries = entries + (NEW.action = 'buy'), exits = exits + (NEW.action = 'sell')
        WHERE trading_date = NEW.trading_date;
      END;
      CREATE TRIGGER orders_count_update AFTER UPDATE OF status ON orders
      WHEN (OLD.status IN ('rejected', 'expired', 'failed')) <> (NEW.status IN ('rejected', 'expired', 'failed')) BEGIN
        INSERT INTO daily_counters (trading_date) VALUES (NEW.trading_date) ON CONFLICT DO NOTHING;
        UPDATE daily_counters
        SET entries = entries + (NEW.action = 'buy') * (CASE WHEN NEW.status IN ('rejected', 'expired', 'failed') THEN -1 ELSE 1 END),
            exits = exits + (NEW.action = 'sell') * (CASE WHEN NEW.status IN ('rejected', 'expired', 'failed') THEN -1 ELSE 1 END)
        WHERE trading_date = NEW.trading_date;
      END;
      CREATE TRIGGER fills_count_insert AFTER INSERT ON fills BEGIN
        INSERT INTO daily_counters (trading_date) VALUES (strftime('%Y%m%d', NEW.time / 1000.0, 'unixepoch', '+9 hours')) ON CONFLICT DO NOTHING;
        UPDATE daily_counters SET realized_pnl = realized_pnl + NEW.realized_pnl
        WHERE trading_date = strftime('%Y%m%d', NEW.time / 1000.0, 'unixepoch', '+9 hours');
      END;
      INSERT INTO daily_counters (trading_date, entries, exits)
        SELECT trading_date, SUM(action = 'buy'), SUM(action = 'sell') FROM orders
        WHERE status NOT IN ('rejected', 'expired', 'failed') GROUP BY trading_date;
      INSERT INTO daily_counters (trading_date, realized_pnl)
        SELECT strftime('%Y%m%d', time / 1000.0, 'unixepoch', '+9 hours') AS d, SUM(realized_pnl) FROM fills GROUP BY d
        ON CONFLICT(trading_date) DO UPDATE SET realized_pnl = excluded.realized_pnl;
    `,
  },
  {
    version: 3,
    name: "fewer pages written per alert: indexes narrowed to what the hot queries read, events keyed by seq",
    // Every index a row is in is one more page each commit rewrites (1 KB pages: a commit of an alert wrote about
    // 20 pages, a paper fill 14, a batch of events 80). Dropped: signals_status, fills_time and events_type (no
    // query reads them; "type LIKE" cannot use an index), and orders_status, orders_ticker and
    // orders_action_created, whose rows were every order ever made. In their place, partial indexes that hold only
    // what the hot queries look for, so they stay a page or two: the open orders (resume, exposure) and the
    // entries that count (the cooldown's last entry). Listing orders by ticker or status (GET /orders) now reads
    // the date-ordered index and filters: a few ms per ten thousand orders, off the alert path.
    sql: `
      DROP INDEX signals_status;
      DROP INDEX orders_status;
      DROP INDEX orders_ticker;
      DROP INDEX orders_action_created;
      DROP INDEX fills_time;
      DROP INDEX events_type;
      CREATE INDEX orders_entries ON orders(created_at) WHERE action = 'buy' AND status NOT IN ('rejected', 'expired', 'failed');
      CREATE INDEX orders_open ON orders(created_at) WHERE status IN ('pending', 'submitted', 'unknown');

      -- seq becomes the rowid: one b-tree fewer than a rowid table with a separate UNIQUE(seq).
      CREATE TABLE events_v3 (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        time TEXT NOT NULL,
        source TEXT NOT NULL,
        correlation_id TEXT,
        payload TEXT NOT NULL,
        meta TEXT NOT NULL
      );
      INSERT INTO events_v3 (seq, id, type, time, source, correlation_id, payload, meta)
        SELECT seq, id, type, time, source, correlation_id, payload, meta FROM events ORDER BY seq;
      DROP TABLE events;
      ALTER TABLE events_v3 RENAME TO events;
    `,
  },
  {
    version: 4,
    name: "marks: the last price of each held ticker per JST day, for reports of past periods",
    // Ticks are not journaled; a report of a past period marks the positions held at its end with these.
    sql: `
      CREATE TABLE marks (
        ticker TEXT NOT NULL,
        trading_date TEXT NOT NULL,
        price REAL NOT NULL,
        time INTEGER NOT NULL,
        PRIMARY KEY (ticker, trading_date)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 5,
    name: "order vocabulary: pending orders, cancels, modifies, effects; position stops",
    // kind: trade (a deal or a pending order) | cancel (removes target_order_id) | modify (new SL/TP of the position).
    // effect: open | close (NULL: the seed's meaning, buy opens and sell closes). A cancelled pending order is final
    // and, like a rejected one, not an entry. position_stops: the SL/TP of a position and its breakeven/trailing.
    sql: `
      ALTER TABLE orders ADD COLUMN kind TEXT NOT NULL DEFAULT 'trade';
      ALTER TABLE orders ADD COLUMN effect TEXT;
      ALTER TABLE orders ADD COLUMN target_order_id TEXT;
      ALTER TABLE orders ADD COLUMN order_expires_at INTEGER;
      ALTER TABLE orders ADD COLUMN protection TEXT;
      ALTER TABLE orders ADD COLUMN sent TEXT;
      CREATE INDEX orders_working ON orders(ticker) WHERE status = 'working';

      DROP TRIGGER orders_count_insert;
      DROP TRIGGER orders_count_update;
      CREATE TRIGGER orders_count_insert AFTER INSERT ON orders
      WHEN NEW.kind = 'trade' AND NEW.status NOT IN ('rejected', 'expired', 'failed', 'cancelled') BEGIN
        INSERT INTO daily_counters (trading_date) VALUES (NEW.trading_date) ON CONFLICT DO NOTHING;
        UPDATE daily_counters
        SET entries = entries + (COALESCE(NEW.effect, CASE NEW.action WHEN 'buy' THEN 'open' ELSE 'close' END) = 'open'),
            exits = exits + (COALESCE(NEW.effect, CASE NEW.action WHEN 'buy' THEN 'open' ELSE 'close' END) = 'close')
        WHERE trading_date = NEW.trading_date;
      END;
      CREATE TRIGGER orders_count_update AFTER UPDATE OF status ON orders
      WHEN NEW.kind = 'trade' AND (OLD.status IN ('rejected', 'expired', 'failed', 'cancelled')) <> (NEW.status IN ('rejected', 'expired', 'failed', 'cancelled')) BEGIN
        INSERT INTO daily_counters (trading_date) VALUES (NEW.trading_date) ON CONFLICT DO NOTHING;
        UPDATE daily_counters
        SET entries = entries + (COALESCE(NEW.effect, CASE NEW.action WHEN 'buy' THEN 'open' ELSE 'close' END) = 'open')
                      * (CASE WHEN NEW.status IN ('rejected', 'expired', 'failed', 'cancelled') THEN -1 ELSE 1 END),
            exits = exits + (COALESCE(NEW.effect, CASE NEW.action WHEN 'buy' THEN 'open' ELSE 'close' END) = 'close')
                      * (CASE WHEN NEW.status IN ('rejected', 'expired', 'failed', 'cancelled') THEN -1 ELSE 1 END)
        WHERE trading_date = NEW.trading_date;
      END;

      CREATE TABLE position_stops (
        ticker TEXT PRIMARY KEY,
        stop_loss REAL,
        take_profit REAL,
        protection TEXT,           -- JSON: { breakeven?: {trigger, offset}, trailing?: {trigger, distance, step} } as prices
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 6,
    name: "signal relay: channels, invitations, receivers and their outbox (sender); subscriptions and seen deliveries (receiver)",
    // Secrets that only need checking (a channel's passphrase, an invitation token) are kept as SHA-256 digests.
    // A signing secret is kept as it is on both sides: the sender signs with it and the receiver verifies with it
    // (the journal is the owner's alone, mode 0600 in a 0700 home). Hop times are wall-clock ms with fractions.
    sql: `
      CREATE TABLE relay_channels (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        passphrase_hash TEXT NOT NULL,
        from_webhook INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        deleted_at INTEGER
      );
      CREATE UNIQUE INDEX relay_channels_name ON relay_channels(name) WHERE deleted_at IS NULL;

      CREATE TABLE relay_invitations (
        id TEXT PRIMARY KEY,
        channel_id TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        note TEXT,
        email TEXT,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER,
        receiver_id TEXT
      );

      CREATE TABLE relay_receivers (
        id TEXT PRIMARY KEY,
        channel_id TEXT NOT NULL,
        invitation_id TEXT NOT NULL,
        kind TEXT NOT NULL,                -- tradectl | http
        endpoint TEXT NOT NULL,            -- the delivery URL
        name TEXT,
        signing_secret TEXT NOT NULL,
        paused_by_sender INTEGER NOT NULL DEFAULT 0,
        paused_by_receiver INTEGER NOT NULL DEFAULT 0,
        paused_at INTEGER,
        state_ts INTEGER NOT NULL DEFAULT 0, -- the newest signed state notice applied (older ones are replays)
        created_at INTEGER NOT NULL,
        removed_at INTEGER
      );
      CREATE INDEX relay_receivers_channel ON relay_receivers(channel_id);

      CREATE TABLE relay_publications (
        id TEXT PRIMARY KEY,
        channel_id TEXT NOT NULL,
        dedupe_key TEXT NOT NULL,
        signal_id TEXT NOT NULL,
        body TEXT NOT NULL,
        received_at REAL NOT NULL,
        expires_at INTEGER NOT NULL,
        UNIQUE (channel_id, dedupe_key)
      );

      CREATE TABLE relay_deliveries (
        id TEXT PRIMARY KEY,
        publication_id TEXT NOT NULL,
        receiver_id TEXT NOT NULL,
        status TEXT NOT NULL,              -- pending | delivered | rejected | expired | skipped
        reason TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        expires_at INTEGER NOT NULL,
        alert_time INTEGER NOT NULL,
        received_at REAL NOT NULL,         -- the sender received the alert
        sent_at REAL,                      -- the last attempt was signed and sent
        receiver_received_at REAL,
        answered_at REAL,                  -- the receiver's admission answered
        acked_at REAL,                     -- the answer reached the sender
        filled_at REAL,
        outcome TEXT,
        last_error TEXT,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX relay_deliveries_receiver ON relay_deliveries(receiver_id, received_at);
      CREATE INDEX relay_deliveries_pending ON relay_deliveries(received_at) WHERE status = 'pending';

      CREATE TABLE relay_subscriptions (
        id TEXT PRIMARY KEY,
        sender_url TEXT NOT NULL,
        state_url TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        channel_name TEXT NOT NULL,
        receiver_id TEXT NOT NULL,
        signing_secret TEXT NOT NULL,
        sizing REAL NOT NULL,
        paused_by_sender INTEGER NOT NULL DEFAULT 0,
        paused_by_receiver INTEGER NOT NULL DEFAULT 0,
        paused_at INTEGER,
        state_ts INTEGER NOT NULL DEFAULT 0,
        received INTEGER NOT NULL DEFAULT 0,
        last_received_at INTEGER,
        created_at INTEGER NOT NULL,
        removed_at INTEGER
      );

      -- (delivery id, timestamp) pairs seen inside the signature window: the same pair again is a replay.
      CREATE TABLE relay_inbox (
        delivery_id TEXT NOT NULL,
        timestamp INTEGER NOT NULL,
        subscription_id TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (delivery_id, timestamp)
      ) WITHOUT ROWID;
      CREATE INDEX relay_inbox_received ON relay_inbox(received_at);
    `,
  },
  {
    version: 7,
    name: "notification outbox",
    // One row per notification, with the channels it is for; each channel's progress is one cursor (the last row it
    // is done with: sent, refused for good or expired), since a channel takes its rows strictly in order. Rows are
    // written in the event log's batches, so a notice costs one row in the rowid b-tree, whatever the channels.
    sql: `
      CREATE TABLE notifications (
        id INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: a cursor past an id stays past it
        key TEXT NOT NULL,             -- what happened: order.filled, stream.stale, summary.daily, ...
        severity TEXT NOT NULL,        -- info | warning | error | critical
        event_id TEXT,                 -- the event it came from, when one did
        created_at INTEGER NOT NULL,
        channels TEXT NOT NULL,        -- ",phone,desk,": the channels it is for
        payload TEXT NOT NULL          -- the event's payload, redacted, as JSON
      );
      CREATE TABLE notify_cursors (
        channel TEXT PRIMARY KEY,
        done_through INTEGER NOT NULL, -- every row of this channel up to this id is sent, failed or expired
        updated_at INTEGER NOT NULL
      );
    `,
  },
];
