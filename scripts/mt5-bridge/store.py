"""The durable idempotency table: one row per client order id (sqlite3, WAL, synchronous=FULL).

A row is written as `in_flight` BEFORE order_send is called, so a crash in the middle of a send
leaves a trace: the next request with that id looks the order up at the terminal (by comment)
before anything is sent again. Rows:
  in_flight  sent (or about to be), outcome not known
  done       a final answer is stored in `result` (a fill, a placed order, a final rejection)
  retryable  the terminal refused without dealing (requote, price changed, ...): may be sent again
"""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any


class IdempotencyStore:
    def __init__(self, path: str):
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute(
            """CREATE TABLE IF NOT EXISTS orders (
                 client_order_id TEXT PRIMARY KEY,
                 status TEXT NOT NULL CHECK (status IN ('in_flight', 'done', 'retryable')),
                 request TEXT NOT NULL,
                 result TEXT,
                 attempts INTEGER NOT NULL DEFAULT 0,
                 created_at REAL NOT NULL,
                 updated_at REAL NOT NULL)""")

    def get(self, client_order_id: str) -> dict | None:
        row = self.db.execute(
            "SELECT client_order_id, status, request, result, attempts, created_at, updated_at FROM orders "
            "WHERE client_order_id = ?", (client_order_id,)).fetchone()
        if row is None:
            return None
        return {"client_order_id": row[0], "status": row[1], "request": json.loads(row[2]),
                "result": json.loads(row[3]) if row[3] else None, "attempts": row[4], "created_at": row[5],
                "updated_at": row[6]}

    def begin(self, client_order_id: str, request: dict[str, Any]) -> None:
        """Marks the id in flight (committed and fsynced) before the terminal is asked to send."""
        now = time.time()
        self.db.execute(
            "INSERT INTO orders (client_order_id, status, request, attempts, created_at, updated_at) "
            "VALUES (?, 'in_flight', ?, 1, ?, ?) "
            "ON CONFLICT(client_order_id) DO UPDATE SET status='in_flight', request=excluded.request, "
            "result=NULL, attempts=attempts+1, updated_at=excluded.updated_at",
            (client_order_id, json.dumps(request), now, now))

    def finish(self, client_order_id: str, status: str, result: dict[str, Any] | None) -> None:
        self.db.execute("UPDATE orders SET status=?, result=?, updated_at=? WHERE client_order_id=?",
                        (status, json.dumps(result) if result is not None else None, time.time(), client_order_id))

    def close(self) -> None:
        self.db.close()
