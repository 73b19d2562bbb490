"""Terminal structures → JSON, and what a trade return code means for the caller."""

from __future__ import annotations

from typing import Any

RETCODE_NAMES = {
    0: "OK", 10004: "REQUOTE", 10006: "REJECT", 10007: "CANCEL", 10008: "PLACED", 10009: "DONE",
    10010: "DONE_PARTIAL", 10011: "ERROR", 10012: "TIMEOUT", 10013: "INVALID", 10014: "INVALID_VOLUME",
    10015: "INVALID_PRICE", 10016: "INVALID_STOPS", 10017: "TRADE_DISABLED", 10018: "MARKET_CLOSED",
    10019: "NO_MONEY", 10020: "PRICE_CHANGED", 10021: "PRICE_OFF", 10022: "INVALID_EXPIRATION",
    10023: "ORDER_CHANGED", 10024: "TOO_MANY_REQUESTS", 10025: "NO_CHANGES", 10026: "SERVER_DISABLES_AT",
    10027: "CLIENT_DISABLES_AT", 10028: "LOCKED", 10029: "FROZEN", 10030: "INVALID_FILL", 10031: "CONNECTION",
    10032: "ONLY_REAL", 10033: "LIMIT_ORDERS", 10034: "LIMIT_VOLUME", 10035: "INVALID_ORDER",
    10036: "POSITION_CLOSED", 10038: "INVALID_CLOSE_VOLUME", 10039: "CLOSE_ORDER_EXIST", 10040: "LIMIT_POSITIONS",
    10041: "REJECT_CANCEL", 10042: "LONG_ONLY", 10043: "SHORT_ONLY", 10044: "CLOSE_ONLY", 10045: "FIFO_CLOSE",
    10046: "HEDGE_PROHIBITED",
}

#: the server refused without dealing; sending again (with a fresh price) is safe
RETRYABLE = {10004, 10020, 10021, 10024, 10028}
#: the outcome is not known: look the order up before anything is sent again
AMBIGUOUS = {10011, 10012, 10031}
FILLED = {10009, 10010}
PLACED = {10008}


def outcome_of(retcode: int) -> str:
    """filled | placed | retryable | unknown | rejected."""
    if retcode in FILLED:
        return "filled"
    if retcode in PLACED:
        return "placed"
    if retcode in RETRYABLE:
        return "retryable"
    if retcode in AMBIGUOUS:
        return "unknown"
    return "rejected"


def plain(value: Any) -> Any:
    """namedtuple (with nested request) → dict; tuples of them → lists."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def rate_row(row: Any) -> dict:
    """A row of copy_rates_* (a numpy structured row in the real package) → dict."""
    fields = ("time", "open", "high", "low", "close", "tick_volume", "spread", "real_volume")
    return {f: plain(row[f]) for f in fields}


def send_result(result: Any) -> dict:
    data = plain(result)
    data["retcode_name"] = RETCODE_NAMES.get(data["retcode"], str(data["retcode"]))
    return data
