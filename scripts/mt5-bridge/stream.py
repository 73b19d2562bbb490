"""GET /stream?symbols=A,B — the terminal's prices as Server-Sent Events, read by the daemon as an `sse` feed.

Every `poll_s` one job on the terminal's worker thread reads symbol_info_tick() of each symbol (the package has
no push API for ticks); a tick whose bid, ask or time changed goes out as

  event: tick
  data: {"instrument": "9984.T", "bid": 3012.0, "ask": 3013.0, "time": "2026-11-23T01:02:03.456Z"}

and `event: heartbeat` (data {"time": ...}) follows every `heartbeat_s`, so a silent market is not a dead
stream. When the terminal fails mid-stream, an `event: disconnect` (data {"code", "message"}) ends it and the
daemon reconnects with backoff.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any, Callable, Iterator

from orders import ensure_symbol
from terminal import BridgeError, Terminal

MAX_SYMBOLS = 100


def parse_symbols(raw: str | None) -> list[str]:
    symbols = [s.strip() for s in (raw or "").split(",") if s.strip()]
    if not symbols:
        raise BridgeError("VALIDATION_ERROR", "symbols is required: GET /stream?symbols=A,B", 400)
    if len(symbols) > MAX_SYMBOLS or any(len(s) > 64 for s in symbols):
        raise BridgeError("VALIDATION_ERROR", f"at most {MAX_SYMBOLS} symbols of at most 64 characters", 400)
    return list(dict.fromkeys(symbols))


def iso_ms(msc: int) -> str:
    return datetime.fromtimestamp(msc / 1000, tz=timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def sse(event: str, data: dict) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode("utf-8")


class TickStream:
    """The events of one /stream connection. `open()` checks the symbols first, so that a bad request is
    answered with a JSON error before any event; `events()` then yields until the terminal fails."""

    def __init__(self, run: Callable[[Callable[[Terminal], Any]], Any], symbols: list[str], poll_s: float,
                 heartbeat_s: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.run = run
        self.symbols = symbols
        self.poll_s = poll_s
        self.heartbeat_s = heartbeat_s
        self.clock = clock
        self.sleep = sleep
        self.last: dict[str, tuple[float, float, int]] = {}

    def open(self) -> None:
        """Every symbol must be known to the terminal (and is selected into Market Watch)."""
        self.run(lambda t: [ensure_symbol(t, s) for s in self.symbols])

    def read(self) -> list[dict]:
        """One poll: the ticks that changed since the last one."""
        def job(t: Terminal) -> list[tuple[str, Any]]:
            return [(s, t.call("symbol_info_tick", s)) for s in self.symbols]
        out = []
        for symbol, tick in self.run(job):
            key = (float(tick.bid), float(tick.ask), int(tick.time_msc))
            if self.last.get(symbol) == key or key[0] <= 0 or key[1] <= 0:
                continue
            self.last[symbol] = key
            out.append({"instrument": symbol, "bid": key[0], "ask": key[1], "time": iso_ms(key[2])})
        return out

    def events(self) -> Iterator[bytes]:
        next_beat = self.clock()
        while True:
            try:
                ticks = self.read()
            except BridgeError as err:
                yield sse("disconnect", {"code": err.status, "message": f"{err.code}: {err.message}"})
                return
            if ticks:
                yield b"".join(sse("tick", tick) for tick in ticks)  # one write (one TLS record) per poll
            now = self.clock()
            if now >= next_beat:
                yield sse("heartbeat", {"time": iso_ms(int(time.time() * 1000))})
                next_beat = now + self.heartbeat_s
            self.sleep(self.poll_s)
