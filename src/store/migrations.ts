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
    name: "indexes for the per-alert risk reads",
    sql: `
      CREATE INDEX orders_action_created ON orders(action, created_at);
      CREATE INDEX fills_time_pnl ON fills(time, realized_pnl);
      CREATE INDEX fills_order ON fills(order_id);
    `,
  },
];
