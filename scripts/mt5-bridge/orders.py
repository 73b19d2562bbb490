"""order_check / order_send with a durable idempotency table and recovery by comment.

Everything here runs on the terminal's worker thread (Terminal.run), so a send, its idempotency
bookkeeping and any lookup are one serialised step: a lookup that follows a send always sees the
terminal after that send returned.
"""

from __future__ import annotations

import re
import time
from typing import Any

from convert import outcome_of, plain, send_result
from store import IdempotencyStore
from terminal import IPC_ERRORS, BridgeError, CallFailed, Terminal

CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_.:#~-]{1,31}$")  # MT5 comments hold at most 31 characters
LOOKBACK_S = 2 * 86400  # deal times are in trade-server time: search a wide window around now
ENUM_PREFIXES = {"action": "TRADE_ACTION_", "type": "ORDER_TYPE_", "type_filling": "ORDER_FILLING_",
                 "type_time": "ORDER_TIME_"}
NUMBER_FIELDS = ("volume", "price", "sl", "tp", "stoplimit")
INT_FIELDS = ("deviation", "magic", "position", "position_by", "order", "expiration")
#: last_error() of symbol_info() for a name the terminal does not know: RES_E_FAIL ("Terminal: Call failed") or
#: RES_E_NOT_FOUND. Anything else (an IPC failure above all) says nothing about the symbol.
SYMBOL_UNKNOWN = {-1, -4}


def normalise(mt5: Any, body: Any) -> tuple[str, dict]:
    """Validates a request body (the MT5 request fields plus client_order_id) → (id, request)."""
    if not isinstance(body, dict):
        raise BridgeError("VALIDATION_ERROR", "body must be a JSON object", 400)
    coid = body.get("client_order_id")
    if not isinstance(coid, str) or not CLIENT_ID_RE.match(coid):
        raise BridgeError("VALIDATION_ERROR", "client_order_id must be 1-31 characters of [A-Za-z0-9_.:#~-]", 400)
    comment = body.get("comment")
    if comment not in (None, "", coid):
        raise BridgeError("VALIDATION_ERROR", "comment carries the client_order_id; omit it", 400)
    request: dict[str, Any] = {"comment": coid}
    for field, prefix in ENUM_PREFIXES.items():
        value = body.get(field)
        if value is None:
            continue
        if isinstance(value, str):
            name = value if value.startswith(prefix) else prefix + value.upper()
            if not hasattr(mt5, name):
                raise BridgeError("VALIDATION_ERROR", f"unknown {field}: {value}", 400)
            value = getattr(mt5, name)
        if not isinstance(value, int) or isinstance(value, bool):
            raise BridgeError("VALIDATION_ERROR", f"{field} must be an MT5 constant name or number", 400)
        request[field] = value
    # TRADE_ACTION_SLTP (position, sl, tp) and TRADE_ACTION_REMOVE (order) carry no type or volume.
    manage = request.get("action") in (getattr(mt5, "TRADE_ACTION_SLTP", 6), getattr(mt5, "TRADE_ACTION_REMOVE", 8))
    for field in ("action",) if manage else ("action", "type"):
        if field not in request:
            raise BridgeError("VALIDATION_ERROR", f"{field} is required", 400)
    symbol = body.get("symbol")
    if not isinstance(symbol, str) or not symbol:
        raise BridgeError("VALIDATION_ERROR", "symbol is required", 400)
    request["symbol"] = symbol
    for field in NUMBER_FIELDS:
        value = body.get(field)
        if value is None:
            continue
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise BridgeError("VALIDATION_ERROR", f"{field} must be a non-negative number", 400)
        request[field] = float(value)
    if not manage and not request.get("volume"):
        raise BridgeError("VALIDATION_ERROR", "volume must be > 0", 400)
    for field in INT_FIELDS:
        value = body.get(field)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise BridgeError("VALIDATION_ERROR", f"{field} must be a non-negative integer", 400)
        request[field] = value
    request.setdefault("deviation", 20)
    request.setdefault("type_time", getattr(mt5, "ORDER_TIME_GTC", 0))
    return coid, request


def ensure_symbol(t: Terminal, symbol: str) -> Any:
    """symbol_info (selected into Market Watch when hidden). None is "not found" only when last_error() says so:
    a lost IPC channel re-initialises and asks again, and fails as MT5_UNAVAILABLE (temporary) if it stays lost."""
    try:
        info = t.call("symbol_info", symbol)
    except CallFailed as err:
        if err.error[0] not in SYMBOL_UNKNOWN:
            raise
        raise BridgeError("MT5_SYMBOL_NOT_FOUND", f"symbol {symbol} is not known to the terminal "
                          f"(last_error={err.error[0]} {err.error[1]})", 404, {"last_error": list(err.error)}) from None
    if not info.visible:
        t.call("symbol_select", symbol, True)
    return info


def complete_request(t: Terminal, request: dict) -> dict:
    """Market orders get the current price (fresh on every attempt) and a filling mode the symbol allows."""
    mt5 = t.mt5
    req = dict(request)
    info = ensure_symbol(t, req["symbol"])
    if req["action"] == mt5.TRADE_ACTION_DEAL:
        tick = t.call("symbol_info_tick", req["symbol"])
        req["price"] = float(tick.ask if req["type"] == mt5.ORDER_TYPE_BUY else tick.bid)
    if "type_filling" not in req:
        mode = int(getattr(info, "filling_mode", 0))
        req["type_filling"] = (mt5.ORDER_FILLING_FOK if mode & 1 else
                               mt5.ORDER_FILLING_IOC if mode & 2 else mt5.ORDER_FILLING_RETURN)
    return req


def find_by_comment(t: Terminal, coid: str, magic: int | None, since: float) -> dict | None:
    """What the terminal knows of a client order id: its deals, else a pending order, else a position."""
    now = time.time()
    deals = [d for d in t.collection("history_deals_get", int(since) - LOOKBACK_S, int(now) + LOOKBACK_S)
             if d.comment == coid and (magic is None or d.magic == magic) and d.type in (0, 1)]
    base = {"client_order_id": coid, "bid": 0.0, "ask": 0.0, "comment": coid, "request_id": 0,
            "retcode_external": 0, "recovered": True}
    if deals:
        volume = sum(d.volume for d in deals)
        price = sum(d.price * d.volume for d in deals) / volume
        first = deals[0]
        return {**base, "retcode": 10009, "retcode_name": "DONE", "outcome": "filled", "deal": first.ticket,
                "order": first.order, "volume": volume, "price": price, "position_id": first.position_id,
                "found_in": "history_deals"}
    for o in t.collection("orders_get"):
        if o.comment == coid and (magic is None or o.magic == magic):
            return {**base, "retcode": 10008, "retcode_name": "PLACED", "outcome": "placed", "deal": 0,
                    "order": o.ticket, "volume": o.volume_current, "price": o.price_open, "found_in": "orders"}
    for p in t.collection("positions_get"):
        if p.comment == coid and (magic is None or p.magic == magic):
            return {**base, "retcode": 10009, "retcode_name": "DONE", "outcome": "filled", "deal": 0,
                    "order": p.identifier, "volume": p.volume, "price": p.price_open, "position_id": p.ticket,
                    "found_in": "positions"}
    return None


class Orders:
    def __init__(self, state_path: str):
        self.state_path = state_path
        self._store: IdempotencyStore | None = None

    def store(self) -> IdempotencyStore:
        """Opened lazily on the worker thread (sqlite connections stay on their thread)."""
        if self._store is None:
            self._store = IdempotencyStore(self.state_path)
        return self._store

    def check(self, t: Terminal, request: dict) -> dict:
        req = complete_request(t, request)
        result = t.call("order_check", req, retry_after_reinit=True)
        data = plain(result)
        data["ok"] = data["retcode"] in (0, 10009)
        return data

    def send(self, t: Terminal, coid: str, request: dict) -> dict:
        store = self.store()
        row = store.get(coid)
        magic = request.get("magic")
        if row and row["status"] == "done":
            return {**row["result"], "replayed": True}
        if row and row["status"] == "in_flight":
            found = self._look_up(t, coid, magic, row["created_at"], "an earlier send of this id is unresolved", {})
            if found:
                return found
            # the earlier attempt left nothing at the terminal: sending now is the first real send
        req = complete_request(t, request)
        store.begin(coid, req)
        started = time.time()
        result, error = t.raw("order_send", req)
        if result is None:
            return self._no_reply(t, coid, magic, started, error)
        data = send_result(result)
        data.update(client_order_id=coid, outcome=outcome_of(data["retcode"]))
        if data["outcome"] == "unknown":
            found = self._look_up(t, coid, magic, started, f"order_send answered {data['retcode_name']}", {})
            return found or data  # not found: the row stays in_flight, the next send looks up first
        store.finish(coid, "retryable" if data["outcome"] == "retryable" else "done", data)
        return data

    def _look_up(self, t: Terminal, coid: str, magic: int | None, since: float, why: str, details: dict,
                 reinit: tuple[int, str] | None = None) -> dict | None:
        """What the terminal holds for an id whose send may have happened (stored when found). A look-up that fails
        (the IPC channel lost and not re-established) leaves the outcome unknown: MT5_NO_REPLY, never a refusal."""
        try:
            if reinit:
                t.reinitialise(reinit)
            found = find_by_comment(t, coid, magic, since)
        except BridgeError as err:
            raise BridgeError("MT5_NO_REPLY", f"{why} and the terminal could not be checked ({err.message}); "
                              f"outcome unknown", 502, {**details, "client_order_id": coid, "outcome": "unknown"}) from None
        if found:
            self.store().finish(coid, "done", found)
        return found

    def _no_reply(self, t: Terminal, coid: str, magic: int | None, started: float, error: tuple[int, str]) -> dict:
        details = {"last_error": list(error), "client_order_id": coid}
        if error[0] not in IPC_ERRORS:
            # refused by the package before anything reached the trade server
            self.store().finish(coid, "retryable", None)
            raise BridgeError("MT5_REQUEST_REFUSED", f"order_send refused the request: {error[0]} {error[1]}",
                              422, details)
        found = self._look_up(t, coid, magic, started, f"order_send gave no reply ({error[0]} {error[1]})", details,
                              reinit=error)
        if found:
            return found
        raise BridgeError("MT5_NO_REPLY", f"order_send gave no reply ({error[0]} {error[1]}); no deal carries "
                          f"comment {coid} yet; outcome unknown until looked up again", 502,
                          {**details, "outcome": "unknown"})
