#!/usr/bin/env python3
"""tradectl MT5 bridge: HTTP+JSON in front of the MetaTrader 5 terminal (runs beside it on Windows).

  python3 bridge.py --host 127.0.0.1 --port 8710 [--tls-cert F --tls-key F] [--state FILE]

Routes: GET /health /account /positions /orders /history/orders /deals /rates /tick /symbol, POST /order/check
/order/send (JSON), and GET /stream?symbols=A,B (prices as Server-Sent Events, see stream.py).

Token from MT5_BRIDGE_TOKEN (required; every request carries `Authorization: Bearer <token>`).
Terminal login from MT5_LOGIN / MT5_PASSWORD / MT5_SERVER / MT5_PATH when given.
Prints one JSON line {"listening": "http://HOST:PORT"} on stdout when ready. See README.md.
"""

from __future__ import annotations

import argparse
import hmac
import ipaddress
import json
import os
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from convert import plain, rate_row  # noqa: E402
from orders import Orders, ensure_symbol, normalise  # noqa: E402
from stream import TickStream, parse_symbols  # noqa: E402
from terminal import BridgeError, Terminal  # noqa: E402

MAX_BODY = 64 * 1024
TIMEFRAMES = ("M1", "M2", "M3", "M4", "M5", "M6", "M10", "M12", "M15", "M20", "M30", "H1", "H2", "H3", "H4",
              "H6", "H8", "H12", "D1", "W1", "MN1")


def log(message: str) -> None:
    print(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {message}", file=sys.stderr, flush=True)


class Bridge:
    """Routes → terminal jobs. Holds no HTTP state; `make_server` wires it to a listener."""

    def __init__(self, mt5: Any, token: str, state_path: str, init_kwargs: dict | None = None,
                 call_timeout: float = 25.0, health_timeout: float = 5.0, reinit_backoff: float = 1.0,
                 max_reinit: int = 3, stream_poll_s: float = 0.1, stream_heartbeat_s: float = 5.0):
        if not token:
            raise ValueError("MT5_BRIDGE_TOKEN is empty")
        self.mt5 = mt5
        self._token = token.encode("utf-8")
        self.terminal = Terminal(mt5, init_kwargs, max_reinit=max_reinit, backoff_s=reinit_backoff)
        self.orders = Orders(state_path)
        self.call_timeout = call_timeout
        self.health_timeout = health_timeout
        self.stream_poll_s = stream_poll_s
        self.stream_heartbeat_s = stream_heartbeat_s
        self.routes: dict[tuple[str, str], Callable[[dict, Any], tuple[int, Any]]] = {
            ("GET", "/health"): self.health,
            ("GET", "/account"): self.account,
            ("GET", "/positions"): self.positions,
            ("GET", "/orders"): self.orders_active,
            ("GET", "/history/orders"): self.history_orders,
            ("GET", "/deals"): self.deals,
            ("GET", "/rates"): self.rates,
            ("GET", "/tick"): self.tick,
            ("GET", "/symbol"): self.symbol,
            ("POST", "/order/check"): self.order_check,
            ("POST", "/order/send"): self.order_send,
        }

    def start(self) -> None:
        try:
            self.terminal.run(lambda t: True, self.call_timeout)
        except BridgeError as err:
            log(f"terminal not ready at start: {err.message} (serving; /health answers 503)")

    def authorised(self, header: str | None) -> bool:
        presented = b""
        if header and header.startswith("Bearer "):
            presented = header[len("Bearer "):].strip().encode("utf-8")
        return hmac.compare_digest(presented, self._token)

    def run(self, job: Callable[[Terminal], Any], timeout: float | None = None) -> Any:
        return self.terminal.run(job, timeout or self.call_timeout)

    # --- routes -----------------------------------------------------------------------------------
    def health(self, q: dict, body: Any) -> tuple[int, Any]:
        def job(t: Terminal) -> dict:
            term = t.call("terminal_info")
            acc = t.call("account_info")
            return {"connected": bool(term.connected), "trade_allowed": bool(term.trade_allowed and acc.trade_expert),
                    "login": acc.login, "server": acc.server, "build": term.build,
                    "account": {"currency": acc.currency, "balance": acc.balance, "equity": acc.equity,
                                "margin_free": acc.margin_free}}
        try:
            info = self.run(job, self.health_timeout)
        except BridgeError as err:
            return 503, {"healthy": False, "connected": False, "error": {"code": err.code, "message": err.message},
                         "reinitialisations": self.terminal.reinit_count}
        healthy = info["connected"] and self.terminal.healthy
        return (200 if healthy else 503), {"healthy": healthy, **info,
                                           "reinitialisations": self.terminal.reinit_count}

    def account(self, q: dict, body: Any) -> tuple[int, Any]:
        return 200, plain(self.run(lambda t: t.call("account_info")))

    def positions(self, q: dict, body: Any) -> tuple[int, Any]:
        symbol = q.get("symbol")
        kwargs = {"symbol": symbol} if symbol else {}
        return 200, plain(self.run(lambda t: t.collection("positions_get", **kwargs)))

    def orders_active(self, q: dict, body: Any) -> tuple[int, Any]:
        return 200, plain(self.run(lambda t: t.collection("orders_get")))

    def _window(self, q: dict) -> tuple[int, int]:
        try:
            lo = int(q.get("from", "0"))
            hi = int(q.get("to") or int(time.time()) + 86400)
        except ValueError:
            raise BridgeError("VALIDATION_ERROR", "from and to are unix seconds", 400) from None
        if lo > hi:
            raise BridgeError("VALIDATION_ERROR", "from must not be after to", 400)
        return lo, hi

    def history_orders(self, q: dict, body: Any) -> tuple[int, Any]:
        lo, hi = self._window(q)
        return 200, plain(self.run(lambda t: t.collection("history_orders_get", lo, hi)))

    def deals(self, q: dict, body: Any) -> tuple[int, Any]:
        lo, hi = self._window(q)
        rows = plain(self.run(lambda t: t.collection("history_deals_get", lo, hi)))
        if q.get("comment"):
            rows = [d for d in rows if d["comment"] == q["comment"]]
        return 200, rows

    def rates(self, q: dict, body: Any) -> tuple[int, Any]:
        symbol = q.get("symbol") or ""
        timeframe = (q.get("timeframe") or "M5").upper()
        if not symbol or timeframe not in TIMEFRAMES:
            raise BridgeError("VALIDATION_ERROR", f"symbol is required; timeframe one of {', '.join(TIMEFRAMES)}", 400)
        try:
            start, count = int(q.get("start", "0")), int(q.get("count", "100"))
        except ValueError:
            raise BridgeError("VALIDATION_ERROR", "start and count are integers", 400) from None
        if start < 0 or not 1 <= count <= 100000:
            raise BridgeError("VALIDATION_ERROR", "start >= 0 and 1 <= count <= 100000", 400)
        tf = getattr(self.mt5, f"TIMEFRAME_{timeframe}")

        def job(t: Terminal) -> list:
            ensure_symbol(t, symbol)
            return [rate_row(r) for r in t.call("copy_rates_from_pos", symbol, tf, start, count)]
        return 200, self.run(job)

    def tick(self, q: dict, body: Any) -> tuple[int, Any]:
        symbol = q.get("symbol") or ""
        if not symbol:
            raise BridgeError("VALIDATION_ERROR", "symbol is required", 400)

        def job(t: Terminal) -> Any:
            ensure_symbol(t, symbol)
            return plain(t.call("symbol_info_tick", symbol))
        return 200, self.run(job)

    def symbol(self, q: dict, body: Any) -> tuple[int, Any]:
        """symbol_info: the grid (trade_tick_size, digits, point), trade_stops_level, trade_freeze_level and lots."""
        symbol = (q.get("symbol") or "").strip()
        if not symbol:
            raise BridgeError("VALIDATION_ERROR", "symbol is required", 400)
        return 200, self.run(lambda t: plain(ensure_symbol(t, symbol)))

    def tick_stream(self, q: dict) -> TickStream:
        """GET /stream: checked (symbols known to the terminal) before the answer starts; see stream.py."""
        stream = TickStream(self.run, parse_symbols(q.get("symbols")), self.stream_poll_s, self.stream_heartbeat_s)
        stream.open()
        return stream

    def order_check(self, q: dict, body: Any) -> tuple[int, Any]:
        _, request = normalise(self.mt5, body)
        return 200, self.run(lambda t: self.orders.check(t, request))

    def order_send(self, q: dict, body: Any) -> tuple[int, Any]:
        coid, request = normalise(self.mt5, body)
        try:
            return 200, self.run(lambda t: self.orders.send(t, coid, request))
        except BridgeError as err:
            if err.code == "MT5_TIMEOUT":
                err.message = (f"{err.message}; order {coid} is in flight, outcome unknown — look it up "
                               f"(GET /deals?comment={coid}) or send the same client_order_id again")
                err.details["outcome"] = "unknown"
            raise


def make_handler(bridge: Bridge) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "tradectl-mt5-bridge/1"
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - headers (the token) never logged
            pass

        def _send(self, status: int, payload: Any) -> None:
            data = json.dumps(payload, default=str).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, code: str, message: str, details: dict | None = None) -> None:
            err: dict[str, Any] = {"code": code, "message": message}
            if details:
                err["details"] = details
            self._send(status, {"error": err})

        def _handle(self, method: str) -> None:
            started = time.monotonic()
            parts = urlsplit(self.path)
            status = 500
            try:
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY:
                    status = 413
                    self._error(413, "VALIDATION_ERROR", f"body larger than {MAX_BODY} bytes")
                    self.close_connection = True
                    return
                raw = self.rfile.read(length) if length else b""
                if not bridge.authorised(self.headers.get("Authorization")):
                    status = 401
                    self._error(401, "AUTH_FAILED", "missing or wrong bearer token")
                    return
                if (method, parts.path) == ("GET", "/stream"):
                    status = self._stream(bridge.tick_stream(query_of(parts.query)))
                    return
                route = bridge.routes.get((method, parts.path))
                if route is None:
                    status = 404
                    self._error(404, "NOT_FOUND", f"no route {method} {parts.path}")
                    return
                body = None
                if method == "POST":
                    try:
                        body = json.loads(raw or b"null")
                    except ValueError:
                        status = 400
                        self._error(400, "VALIDATION_ERROR", "body is not valid JSON")
                        return
                status, payload = route(query_of(parts.query), body)
                self._send(status, payload)
            except BridgeError as err:
                status = err.status
                self._error(err.status, err.code, err.message, err.details)
            except Exception as err:  # noqa: BLE001 - one boundary answers every unexpected failure
                status = 500
                log(f"internal error on {method} {parts.path}: {type(err).__name__}: {err}")
                self._error(500, "INTERNAL_ERROR", f"{type(err).__name__}: {err}")
            finally:
                log(f"{method} {parts.path} {status} {int((time.monotonic() - started) * 1000)}ms")

        def _stream(self, stream: TickStream) -> int:
            """Server-Sent Events until the client goes away or the terminal fails (the stream then ends)."""
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            log(f"stream of {', '.join(stream.symbols)} started")
            try:
                for chunk in stream.events():
                    self.wfile.write(chunk)
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError, TimeoutError):
                pass  # the client went away
            return 200

        def do_GET(self) -> None:  # noqa: N802
            self._handle("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._handle("POST")

    return Handler


def query_of(raw: str) -> dict:
    return {k: v[-1] for k, v in parse_qs(raw).items()}


def make_server(bridge: Bridge, host: str, port: int, tls_cert: str | None = None,
                tls_key: str | None = None) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((host, port), make_handler(bridge))
    server.daemon_threads = True
    if tls_cert and tls_key:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        ctx.load_cert_chain(tls_cert, tls_key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    return server


def start_watchdog(bridge: Bridge, stuck_exit_s: float) -> None:
    """A terminal call stuck longer than stuck_exit_s cannot be cancelled: exit so the service manager
    restarts the bridge (in-flight rows are looked up by comment on the next send)."""
    if stuck_exit_s <= 0:
        return

    def watch() -> None:
        while True:
            time.sleep(min(1.0, stuck_exit_s / 4))
            since = bridge.terminal.busy_since
            if since is not None and time.monotonic() - since > stuck_exit_s:
                log(f"a terminal call has been stuck for more than {stuck_exit_s:g} s; exiting for a restart")
                os._exit(75)

    threading.Thread(target=watch, name="watchdog", daemon=True).start()


def init_kwargs_from_env() -> dict:
    kwargs: dict[str, Any] = {}
    if os.environ.get("MT5_PATH"):
        kwargs["path"] = os.environ["MT5_PATH"]
    if os.environ.get("MT5_LOGIN"):
        kwargs["login"] = int(os.environ["MT5_LOGIN"])
        if os.environ.get("MT5_PASSWORD"):
            kwargs["password"] = os.environ["MT5_PASSWORD"]
        if os.environ.get("MT5_SERVER"):
            kwargs["server"] = os.environ["MT5_SERVER"]
    return kwargs


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="tradectl MT5 bridge")
    p.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1; never a public one)")
    p.add_argument("--port", type=int, default=8710, help="port (0 = ephemeral)")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--state", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "bridge-state.db"),
                   help="sqlite file of the idempotency table (default beside this script)")
    p.add_argument("--call-timeout", type=float, default=25.0, help="seconds an HTTP request waits for the terminal")
    p.add_argument("--reinit-backoff", type=float, default=1.0, help="first re-initialisation delay (doubles)")
    p.add_argument("--stuck-exit", type=float, default=300.0, help="exit when a terminal call hangs this long (0=off)")
    p.add_argument("--stream-poll", type=float, default=0.1, help="seconds between two reads of the ticks of GET /stream")
    p.add_argument("--stream-heartbeat", type=float, default=5.0, help="seconds between two heartbeat events of GET /stream")
    args = p.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        p.error("--tls-cert and --tls-key go together")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    token = os.environ.get("MT5_BRIDGE_TOKEN", "")
    if len(token) < 16:
        print("MT5_BRIDGE_TOKEN must be set (at least 16 characters)", file=sys.stderr)
        return 2
    try:
        if not ipaddress.ip_address(args.host).is_loopback:
            log(f"warning: binding {args.host}; it must be a private tunnel address (WireGuard/SSH), never public")
    except ValueError:
        log(f"warning: binding {args.host}; make sure it is not reachable from the internet")
    import MetaTrader5 as mt5

    bridge = Bridge(mt5, token, args.state, init_kwargs_from_env(), call_timeout=args.call_timeout,
                    reinit_backoff=args.reinit_backoff, stream_poll_s=args.stream_poll,
                    stream_heartbeat_s=args.stream_heartbeat)
    server = make_server(bridge, args.host, args.port, args.tls_cert, args.tls_key)
    bridge.start()
    start_watchdog(bridge, args.stuck_exit)
    host, port = server.server_address[:2]
    scheme = "https" if args.tls_cert else "http"
    print(json.dumps({"listening": f"{scheme}://{host}:{port}"}), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        bridge.terminal.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
