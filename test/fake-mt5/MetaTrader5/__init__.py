"""A faithful fake of the official `MetaTrader5` Python package, for tests.

Same function names, signatures, constants and result structures (namedtuples with the documented
field order) as the real package; a simulated hedging account whose state lives in a JSON file
(MT5_FAKE_STATE) so that a restarted bridge sees the same "terminal".

Faults (JSON) come from MT5_FAKE_FAULTS (fixed for the process) and from the file named by
MT5_FAKE_CONTROL, re-read on every call so a test can change them while the bridge runs. Counted
faults ("the next K sends") are decremented in the source they came from (the control file is
rewritten). Keys:

  ipc_down: true              every call fails: None (initialize: False), last_error (-10005, "IPC timeout")
  ipc_fail: K                 the next K calls (not initialize/shutdown/last_error) fail the same way
  ipc_lost_at: {"fn": N}      the Nth call of fn from now fails with (-10002, "IPC recv failed")
  init_fail: K                the next K initialize() fail with (-10003, "IPC initialization failed")
  hang_at: {"fn": N}          the Nth call of fn from now blocks until the control file holds "release": true
                              (then runs as usual)
  call_delay_s: S             every call sleeps S seconds inside the "terminal" (widens overlap windows)
  requote: K                  the next K order_send return 10004 TRADE_RETCODE_REQUOTE
  market_closed: true         order_check / order_send return 10018
  no_money: true              order_check / order_send return 10019
  autotrading_disabled: true  order_send returns 10027; terminal_info().trade_allowed is False
  no_connection: true         order_send returns 10031; terminal_info().connected is False
  send_none: K                the next K order_send return None, last_error (-10001, "IPC send failed"); nothing sent
  send_retcode: {"code": C, "count": K, "fill": bool, "comment": S}
                              the next K order_send (with "comment": only those whose comment is S) return
                              retcode C; with fill, the deal is made first
  none_after_fill: true       next order_send makes the deal, then returns None with (-10005, "IPC timeout")
  hang_after_fill: S          next order_send makes the deal (state saved), then blocks S seconds
                              (-1: until the control file holds "release": true), then returns DONE
  crash_after_fill: true      next order_send makes the deal (state saved), then the process exits (code 70)
  auth_fail: true             initialize(login=...) / login() fail with (-6, "Terminal: Authorization failed")
  prices: {"SYM": {"bid": b, "ask": a}}   overrides the symbol's quote
  clock_offset_s: S           the trade server's clock runs S seconds ahead of this machine's (its time stamps,
                              pending orders' ORDER_TIME_SPECIFIED expiry): time passing at the server without a wait

A lost IPC channel stays lost, as the real package's does: after any IPC failure (-10000..-10005) every
later call fails with (-10004, "No IPC connection") until initialize() succeeds again.

MT5_FAKE_SEND_LOG names a file to which every order_send that reaches the terminal appends its comment (one
line, flushed and fsynced before the request is executed), so a test can check that no client order id was
sent twice, across bridge crashes.

Pending orders (TRADE_ACTION_PENDING: BUY/SELL_LIMIT, BUY/SELL_STOP, ORDER_TIME_GTC or ORDER_TIME_SPECIFIED with
`expiration` in seconds), like the trade server's: a limit must be on the better side of the market and a stop on the
worse (else 10015 INVALID_PRICE), at least trade_stops_level points away; on the next call after the quote reaches
one, it becomes a position (a DEAL_ENTRY_IN deal carrying the order's comment, at the quote) and moves to history as
ORDER_STATE_FILLED; past its expiration it moves to history as ORDER_STATE_EXPIRED. TRADE_ACTION_REMOVE (`order`)
moves it to history as ORDER_STATE_CANCELED; within trade_freeze_level points of the market it answers 10029 FROZEN.
TRADE_ACTION_SLTP (`position`, `sl`, `tp`) changes a position's stops: 10025 NO_CHANGES when they are already those,
10016 INVALID_STOPS closer than trade_stops_level (or on the wrong side), 10029 FROZEN when the current stop is within
trade_freeze_level of the market. Symbols may set "trade_stops_level", "trade_freeze_level" and "trade_tick_size".

MT5_FAKE_BALANCE sets a new account's balance (default 10,000,000 JPY).

Stops: like the trade server, a position whose sl/tp the quote has crossed is closed on the next call
(a DEAL_ENTRY_OUT deal at the sl/tp price, reason DEAL_REASON_SL/TP, the position's magic, comment
"[sl 8900.0]" / "[tp 9500.0]"). Move the quote with `prices` to trigger one.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import namedtuple

__author__ = "tradectl fake"
__version__ = "5.0.4874"

# --- constants (values of the official package) --------------------------------------------------
TIMEFRAME_M1, TIMEFRAME_M2, TIMEFRAME_M3, TIMEFRAME_M4, TIMEFRAME_M5 = 1, 2, 3, 4, 5
TIMEFRAME_M6, TIMEFRAME_M10, TIMEFRAME_M12, TIMEFRAME_M15, TIMEFRAME_M20, TIMEFRAME_M30 = 6, 10, 12, 15, 20, 30
TIMEFRAME_H1, TIMEFRAME_H2, TIMEFRAME_H3, TIMEFRAME_H4 = 16385, 16386, 16387, 16388
TIMEFRAME_H6, TIMEFRAME_H8, TIMEFRAME_H12, TIMEFRAME_D1 = 16390, 16392, 16396, 16408
TIMEFRAME_W1, TIMEFRAME_MN1 = 32769, 49153

ORDER_TYPE_BUY, ORDER_TYPE_SELL, ORDER_TYPE_BUY_LIMIT, ORDER_TYPE_SELL_LIMIT = 0, 1, 2, 3
ORDER_TYPE_BUY_STOP, ORDER_TYPE_SELL_STOP, ORDER_TYPE_BUY_STOP_LIMIT, ORDER_TYPE_SELL_STOP_LIMIT = 4, 5, 6, 7
ORDER_TYPE_CLOSE_BY = 8
TRADE_ACTION_DEAL, TRADE_ACTION_PENDING, TRADE_ACTION_SLTP = 1, 5, 6
TRADE_ACTION_MODIFY, TRADE_ACTION_REMOVE, TRADE_ACTION_CLOSE_BY = 7, 8, 10
ORDER_FILLING_FOK, ORDER_FILLING_IOC, ORDER_FILLING_RETURN, ORDER_FILLING_BOC = 0, 1, 2, 3
ORDER_TIME_GTC, ORDER_TIME_DAY, ORDER_TIME_SPECIFIED, ORDER_TIME_SPECIFIED_DAY = 0, 1, 2, 3
ORDER_STATE_STARTED, ORDER_STATE_PLACED, ORDER_STATE_CANCELED = 0, 1, 2
ORDER_STATE_PARTIAL, ORDER_STATE_FILLED, ORDER_STATE_REJECTED = 3, 4, 5
ORDER_STATE_EXPIRED = 6
ORDER_REASON_CLIENT, ORDER_REASON_MOBILE, ORDER_REASON_WEB, ORDER_REASON_EXPERT = 0, 1, 2, 3
POSITION_TYPE_BUY, POSITION_TYPE_SELL = 0, 1
POSITION_REASON_CLIENT, POSITION_REASON_MOBILE, POSITION_REASON_WEB, POSITION_REASON_EXPERT = 0, 1, 2, 3
DEAL_TYPE_BUY, DEAL_TYPE_SELL, DEAL_TYPE_BALANCE = 0, 1, 2
DEAL_ENTRY_IN, DEAL_ENTRY_OUT, DEAL_ENTRY_INOUT, DEAL_ENTRY_OUT_BY = 0, 1, 2, 3
DEAL_REASON_CLIENT, DEAL_REASON_MOBILE, DEAL_REASON_WEB, DEAL_REASON_EXPERT = 0, 1, 2, 3
DEAL_REASON_SL, DEAL_REASON_TP, DEAL_REASON_SO = 4, 5, 6
ACCOUNT_TRADE_MODE_DEMO, ACCOUNT_TRADE_MODE_CONTEST, ACCOUNT_TRADE_MODE_REAL = 0, 1, 2
ACCOUNT_MARGIN_MODE_RETAIL_NETTING, ACCOUNT_MARGIN_MODE_EXCHANGE, ACCOUNT_MARGIN_MODE_RETAIL_HEDGING = 0, 1, 2
SYMBOL_TRADE_MODE_DISABLED, SYMBOL_TRADE_MODE_LONGONLY, SYMBOL_TRADE_MODE_SHORTONLY = 0, 1, 2
SYMBOL_TRADE_MODE_CLOSEONLY, SYMBOL_TRADE_MODE_FULL = 3, 4
SYMBOL_FILLING_FOK, SYMBOL_FILLING_IOC, SYMBOL_FILLING_BOC = 1, 2, 4

TRADE_RETCODE_REQUOTE = 10004
TRADE_RETCODE_REJECT = 10006
TRADE_RETCODE_CANCEL = 10007
TRADE_RETCODE_PLACED = 10008
TRADE_RETCODE_DONE = 10009
TRADE_RETCODE_DONE_PARTIAL = 10010
TRADE_RETCODE_ERROR = 10011
TRADE_RETCODE_TIMEOUT = 10012
TRADE_RETCODE_INVALID = 10013
TRADE_RETCODE_INVALID_VOLUME = 10014
TRADE_RETCODE_INVALID_PRICE = 10015
TRADE_RETCODE_INVALID_STOPS = 10016
TRADE_RETCODE_TRADE_DISABLED = 10017
TRADE_RETCODE_MARKET_CLOSED = 10018
TRADE_RETCODE_NO_MONEY = 10019
TRADE_RETCODE_PRICE_CHANGED = 10020
TRADE_RETCODE_PRICE_OFF = 10021
TRADE_RETCODE_INVALID_EXPIRATION = 10022
TRADE_RETCODE_ORDER_CHANGED = 10023
TRADE_RETCODE_TOO_MANY_REQUESTS = 10024
TRADE_RETCODE_NO_CHANGES = 10025
TRADE_RETCODE_SERVER_DISABLES_AT = 10026
TRADE_RETCODE_CLIENT_DISABLES_AT = 10027
TRADE_RETCODE_LOCKED = 10028
TRADE_RETCODE_FROZEN = 10029
TRADE_RETCODE_INVALID_FILL = 10030
TRADE_RETCODE_CONNECTION = 10031
TRADE_RETCODE_ONLY_REAL = 10032
TRADE_RETCODE_LIMIT_ORDERS = 10033
TRADE_RETCODE_LIMIT_VOLUME = 10034
TRADE_RETCODE_INVALID_ORDER = 10035
TRADE_RETCODE_POSITION_CLOSED = 10036
TRADE_RETCODE_INVALID_CLOSE_VOLUME = 10038
TRADE_RETCODE_CLOSE_ORDER_EXIST = 10039
TRADE_RETCODE_LIMIT_POSITIONS = 10040
TRADE_RETCODE_REJECT_CANCEL = 10041
TRADE_RETCODE_LONG_ONLY = 10042
TRADE_RETCODE_SHORT_ONLY = 10043
TRADE_RETCODE_CLOSE_ONLY = 10044
TRADE_RETCODE_FIFO_CLOSE = 10045
TRADE_RETCODE_HEDGE_PROHIBITED = 10046

# last_error() codes
RES_S_OK = 1
RES_E_FAIL = -1
RES_E_INVALID_PARAMS = -2
RES_E_NO_MEMORY = -3
RES_E_NOT_FOUND = -4
RES_E_INVALID_VERSION = -5
RES_E_AUTH_FAILED = -6
RES_E_UNSUPPORTED = -7
RES_E_AUTO_TRADING_DISABLED = -8
RES_E_INTERNAL_FAIL = -10000
RES_E_INTERNAL_FAIL_SEND = -10001
RES_E_INTERNAL_FAIL_RECEIVE = -10002
RES_E_INTERNAL_FAIL_INIT = -10003
RES_E_INTERNAL_FAIL_CONNECT = -10004
RES_E_INTERNAL_FAIL_TIMEOUT = -10005

# --- result structures (documented field order) --------------------------------------------------
TradeRequest = namedtuple("TradeRequest", "action magic order symbol volume price stoplimit sl tp deviation "
                          "type type_filling type_time expiration comment position position_by")
OrderSendResult = namedtuple("OrderSendResult", "retcode deal order volume price bid ask comment request_id "
                             "retcode_external request")
OrderCheckResult = namedtuple("OrderCheckResult", "retcode balance equity profit margin margin_free margin_level "
                              "comment request")
TradePosition = namedtuple("TradePosition", "ticket time time_msc time_update time_update_msc type magic "
                           "identifier reason volume price_open sl tp price_current swap profit symbol comment "
                           "external_id")
TradeOrder = namedtuple("TradeOrder", "ticket time_setup time_setup_msc time_done time_done_msc time_expiration "
                        "type type_time type_filling state magic position_id position_by_id reason volume_initial "
                        "volume_current price_open sl tp price_current price_stoplimit symbol comment external_id")
TradeDeal = namedtuple("TradeDeal", "ticket order time time_msc type entry magic position_id reason volume price "
                       "commission swap profit fee symbol comment external_id")
AccountInfo = namedtuple("AccountInfo", "login trade_mode leverage limit_orders margin_so_mode trade_allowed "
                         "trade_expert margin_mode currency_digits fifo_close balance credit profit equity margin "
                         "margin_free margin_level margin_so_call margin_so_so margin_initial margin_maintenance "
                         "assets liabilities commission_blocked name server currency company")
TerminalInfo = namedtuple("TerminalInfo", "community_account community_connection connected dlls_allowed "
                          "trade_allowed tradeapi_disabled email_enabled ftp_enabled notifications_enabled mqid "
                          "build maxbars codepage ping_last community_balance retransmission company name "
                          "language path data_path commondata_path")
SymbolInfo = namedtuple("SymbolInfo", "custom chart_mode select visible digits spread trade_mode trade_exemode "
                        "filling_mode trade_stops_level trade_freeze_level volume_min volume_max volume_step "
                        "trade_contract_size trade_tick_size trade_tick_value point bid ask last currency_base "
                        "currency_profit currency_margin description name path")
Tick = namedtuple("Tick", "time bid ask last volume time_msc flags volume_real")

RATE_FIELDS = ("time", "open", "high", "low", "close", "tick_volume", "spread", "real_volume")


class RateRow(tuple):
    """One bar; like a row of the real package's numpy structured array: row[0] or row['close']."""

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, RATE_FIELDS.index(key))
        return tuple.__getitem__(self, key)


# --- process state -------------------------------------------------------------------------------
_lock = threading.RLock()          # guards the simulated terminal state (the fake's own bookkeeping)
_conc_lock = threading.Lock()
_active = 0
_last_error = (RES_S_OK, "Success")
_initialized = False
_state: dict | None = None
_env_faults: dict | None = None

_IPC_TIMEOUT = (RES_E_INTERNAL_FAIL_TIMEOUT, "IPC timeout")
_NO_IPC = (RES_E_INTERNAL_FAIL_CONNECT, "No IPC connection")
_IPC_RECV = (RES_E_INTERNAL_FAIL_RECEIVE, "IPC recv failed")
_IPC_SEND = (RES_E_INTERNAL_FAIL_SEND, "IPC send failed")


def _default_state() -> dict:
    return {
        "account": {"login": 5012345, "server": "FakeBroker-Demo", "name": "Fake Trader", "company": "Fake Broker Ltd.",
                    "currency": "JPY", "balance": float(os.environ.get("MT5_FAKE_BALANCE") or 10_000_000.0),
                    "leverage": 5},
        "symbols": {
            "7203.T": {"bid": 2500.0, "ask": 2501.0, "digits": 1, "point": 0.1, "volume_min": 1.0,
                       "volume_max": 1000.0, "volume_step": 1.0, "trade_contract_size": 100.0, "visible": True},
            "9984.T": {"bid": 9000.0, "ask": 9002.0, "digits": 1, "point": 0.1, "volume_min": 1.0,
                       "volume_max": 1000.0, "volume_step": 1.0, "trade_contract_size": 100.0, "visible": False},
        },
        "positions": [], "orders": [], "history_orders": [], "deals": [],
        "next_ticket": 100001,
        "stats": {"calls": {}, "max_concurrency": 0, "order_send": 0, "shutdown": 0},
    }


def _state_path() -> str | None:
    return os.environ.get("MT5_FAKE_STATE") or None


def _load() -> dict:
    global _state
    if _state is None:
        path = _state_path()
        if path and os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                _state = json.load(f)
        else:
            _state = _default_state()
    return _state


def _save() -> None:
    path = _state_path()
    if not path or _state is None:
        return
    tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(_state, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _read_control() -> dict:
    path = os.environ.get("MT5_FAKE_CONTROL")
    if not path or not os.path.exists(path):
        return {}
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        return json.loads(text) if text.strip() else {}
    except (OSError, ValueError):
        return {}


def _faults() -> dict:
    global _env_faults
    if _env_faults is None:
        _env_faults = json.loads(os.environ.get("MT5_FAKE_FAULTS") or "{}")
    merged = dict(_env_faults)
    merged.update(_read_control())
    return merged


def _server_time() -> float:
    """The trade server's clock: this machine's, plus the clock_offset_s fault."""
    return time.time() + float(_faults().get("clock_offset_s") or 0)


def _take(name: str):
    """Consumes one use of a counted/one-shot fault; returns its value before consumption (or None)."""
    control = _read_control()
    source = control if name in control else _env_faults if _env_faults and name in _env_faults else None
    if source is None:
        return None
    value = source[name]
    if not value:
        return None
    if isinstance(value, bool):
        source[name] = False
    elif isinstance(value, dict):
        count = int(value.get("count", 1))
        if count <= 0:
            return None
        source[name] = {**value, "count": count - 1}
    elif isinstance(value, int) and name in ("ipc_fail", "requote", "send_none", "init_fail"):
        source[name] = value - 1
    else:
        del source[name]
    if source is control:
        _write_control(control)
    return value


def _countdown(key: str, name: str) -> bool:
    """Counts one call of `name` against the fault map `key` ({"fn": N}); true for the Nth call (then removed)."""
    control = _read_control()
    source = control if key in control else _env_faults if _env_faults and key in _env_faults else None
    if source is None or not isinstance(source[key], dict) or name not in source[key]:
        return False
    left = int(source[key][name]) - 1
    source[key] = {k: v for k, v in source[key].items() if k != name}
    if left > 0:
        source[key][name] = left
    if source is control:
        _write_control(control)
    return left == 0


def _write_control(control: dict) -> None:
    path = os.environ["MT5_FAKE_CONTROL"]
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(control, f)
    os.replace(tmp, path)


def _lose_ipc(err) -> None:
    """The channel to the terminal is gone: it stays gone until initialize() succeeds."""
    global _initialized
    _initialized = False
    _set_error(err)


def _set_error(err) -> None:
    global _last_error
    _last_error = err


def _api(name: str, needs_init: bool = True, fail_value=None):
    """Wraps a terminal call: concurrency bookkeeping, IPC faults, last_error."""

    def wrap(fn):
        def call(*args, **kwargs):
            global _active
            with _conc_lock:
                _active += 1
                current = _active
            try:
                with _lock:
                    st = _load()
                    stats = st["stats"]
                    stats["calls"][name] = stats["calls"].get(name, 0) + 1
                    stats["max_concurrency"] = max(stats["max_concurrency"], current)
                    _trigger_pending(st)
                    _trigger_stops(st)
                    _save()
                faults = _faults()
                delay = float(faults.get("call_delay_s") or 0)
                if delay:
                    time.sleep(delay)
                if faults.get("ipc_down") or (name not in ("initialize", "shutdown") and _take("ipc_fail")):
                    _lose_ipc(_IPC_TIMEOUT)
                    return fail_value
                if _countdown("ipc_lost_at", name):
                    _lose_ipc(_IPC_RECV)
                    return fail_value
                if _countdown("hang_at", name):
                    _wait_release(-1)
                if needs_init and not _initialized:
                    _set_error(_NO_IPC)
                    return fail_value
                _set_error((RES_S_OK, "Success"))
                return fn(*args, **kwargs)
            finally:
                with _conc_lock:
                    _active -= 1

        call.__name__ = fn.__name__
        call.__doc__ = fn.__doc__
        return call

    return wrap


# --- connection ------------------------------------------------------------------------------------
@_api("initialize", needs_init=False, fail_value=False)
def initialize(path=None, *, login=None, password=None, server=None, timeout=60000, portable=False):
    global _initialized
    if _take("init_fail"):
        _set_error((RES_E_INTERNAL_FAIL_INIT, "IPC initialization failed"))
        return False
    if login is not None and _faults().get("auth_fail"):
        _set_error((RES_E_AUTH_FAILED, "Terminal: Authorization failed"))
        return False
    _initialized = True
    return True


@_api("login", fail_value=False)
def login(login, password=None, server=None, timeout=60000):
    if _faults().get("auth_fail"):
        _set_error((RES_E_AUTH_FAILED, "Terminal: Authorization failed"))
        return False
    return True


def shutdown():
    global _initialized
    with _lock:
        st = _load()
        st["stats"]["shutdown"] += 1
        _save()
    _initialized = False
    _set_error((RES_S_OK, "Success"))
    return True


def last_error():
    return _last_error


@_api("version")
def version():
    return (500, 4874, "14 Mar 2025")


# --- info ------------------------------------------------------------------------------------------
def _quote(sym_name: str, sym: dict) -> tuple[float, float]:
    override = (_faults().get("prices") or {}).get(sym_name)
    if override:
        return float(override["bid"]), float(override["ask"])
    return float(sym["bid"]), float(sym["ask"])


def _floating(st: dict) -> tuple[float, float]:
    profit = 0.0
    margin = 0.0
    for p in st["positions"]:
        sym = st["symbols"][p["symbol"]]
        bid, ask = _quote(p["symbol"], sym)
        current = bid if p["type"] == POSITION_TYPE_BUY else ask
        sign = 1 if p["type"] == POSITION_TYPE_BUY else -1
        profit += (current - p["price_open"]) * p["volume"] * sym["trade_contract_size"] * sign
        margin += p["price_open"] * p["volume"] * sym["trade_contract_size"] / st["account"]["leverage"]
    return round(profit, 2), round(margin, 2)


@_api("terminal_info")
def terminal_info():
    faults = _faults()
    return TerminalInfo(False, False, not faults.get("no_connection"), False, not faults.get("autotrading_disabled"),
                        False, False, False, False, False, 4874, 100000, 932, 12000, 0.0, 0.0,
                        "Fake Broker Ltd.", "MetaTrader 5", "English", "C:\\Fake\\MetaTrader 5",
                        "C:\\Fake\\Data", "C:\\Fake\\Common")


@_api("account_info")
def account_info():
    with _lock:
        st = _load()
        acc = st["account"]
        profit, margin = _floating(st)
        equity = round(acc["balance"] + profit, 2)
        level = round(equity / margin * 100, 2) if margin else 0.0
        return AccountInfo(acc["login"], ACCOUNT_TRADE_MODE_DEMO, acc["leverage"], 200, 0, True,
                           not _faults().get("autotrading_disabled"), ACCOUNT_MARGIN_MODE_RETAIL_HEDGING, 0, False,
                           acc["balance"], 0.0, profit, equity, margin, round(equity - margin, 2), level, 100.0, 50.0,
                           0.0, 0.0, 0.0, 0.0, 0.0, acc["name"], acc["server"], acc["currency"], acc["company"])


def _symbol_info(name: str):
    st = _load()
    sym = st["symbols"].get(name)
    if sym is None:
        return None
    bid, ask = _quote(name, sym)
    return SymbolInfo(False, 0, sym["visible"], sym["visible"], sym["digits"],
                      int(round((ask - bid) / sym["point"])), SYMBOL_TRADE_MODE_FULL, 2,
                      SYMBOL_FILLING_FOK | SYMBOL_FILLING_IOC, int(sym.get("trade_stops_level", 0)),
                      int(sym.get("trade_freeze_level", 0)), sym["volume_min"], sym["volume_max"],
                      sym["volume_step"], sym["trade_contract_size"], sym.get("trade_tick_size", sym["point"]),
                      sym["point"], sym["point"], bid, ask, bid, "JPY", "JPY", "JPY", name, name, f"Stocks\\{name}")


@_api("symbol_info")
def symbol_info(symbol):
    with _lock:
        info = _symbol_info(symbol)
    if info is None:
        _set_error((RES_E_NOT_FOUND, "Terminal: Not found"))
    return info


@_api("symbol_select", fail_value=False)
def symbol_select(symbol, enable=True):
    with _lock:
        st = _load()
        if symbol not in st["symbols"]:
            _set_error((RES_E_NOT_FOUND, "Terminal: Not found"))
            return False
        st["symbols"][symbol]["visible"] = bool(enable)
        _save()
    return True


@_api("symbol_info_tick")
def symbol_info_tick(symbol):
    with _lock:
        st = _load()
        sym = st["symbols"].get(symbol)
        if sym is None or not sym["visible"]:
            _set_error((RES_E_NOT_FOUND, "Terminal: Not found"))
            return None
        bid, ask = _quote(symbol, sym)
        # As the terminal's: the last tick, timed when the quote last changed (not when it is read).
        last = _last_ticks.get(symbol)
        if last is None or last[:2] != (bid, ask):
            last = (bid, ask, int(_server_time() * 1000))
            _last_ticks[symbol] = last
    msc = last[2]
    return Tick(msc // 1000, bid, ask, bid, 0, msc, 6, 0.0)


_last_ticks: dict[str, tuple[float, float, int]] = {}


_TF_SECONDS = {TIMEFRAME_M1: 60, TIMEFRAME_M2: 120, TIMEFRAME_M3: 180, TIMEFRAME_M4: 240, TIMEFRAME_M5: 300,
               TIMEFRAME_M6: 360, TIMEFRAME_M10: 600, TIMEFRAME_M12: 720, TIMEFRAME_M15: 900, TIMEFRAME_M20: 1200,
               TIMEFRAME_M30: 1800, TIMEFRAME_H1: 3600, TIMEFRAME_H2: 7200, TIMEFRAME_H3: 10800,
               TIMEFRAME_H4: 14400, TIMEFRAME_H6: 21600, TIMEFRAME_H8: 28800, TIMEFRAME_H12: 43200,
               TIMEFRAME_D1: 86400, TIMEFRAME_W1: 604800, TIMEFRAME_MN1: 2592000}


@_api("copy_rates_from_pos")
def copy_rates_from_pos(symbol, timeframe, start_pos, count):
    """Deterministic synthetic bars ending `start_pos` bars before the current one (oldest first)."""
    seconds = _TF_SECONDS.get(timeframe)
    with _lock:
        sym = _load()["symbols"].get(symbol)
    if sym is None or seconds is None or count <= 0 or start_pos < 0:
        _set_error((RES_E_INVALID_PARAMS, "Terminal: Invalid params"))
        return None
    base = float(sym["bid"])
    step = sym["point"] * 10
    current = int(_server_time()) // seconds * seconds
    rows = []
    for i in range(start_pos + count - 1, start_pos - 1, -1):
        t = current - i * seconds
        k = (t // seconds) % 7
        open_ = round(base + (k - 3) * step, 5)
        close = round(open_ + step, 5)
        rows.append(RateRow((t, open_, close + step, open_ - step, close, 100 + k, 1, 1000 * (k + 1))))
    return tuple(rows)


# --- trading state ---------------------------------------------------------------------------------
def _position_tuple(p: dict, st: dict) -> TradePosition:
    sym = st["symbols"][p["symbol"]]
    bid, ask = _quote(p["symbol"], sym)
    current = bid if p["type"] == POSITION_TYPE_BUY else ask
    sign = 1 if p["type"] == POSITION_TYPE_BUY else -1
    profit = round((current - p["price_open"]) * p["volume"] * sym["trade_contract_size"] * sign, 2)
    return TradePosition(p["ticket"], p["time"], p["time"] * 1000, p["time_update"], p["time_update"] * 1000,
                         p["type"], p["magic"], p["identifier"], POSITION_REASON_EXPERT, p["volume"],
                         p["price_open"], p["sl"], p["tp"], current, 0.0, profit, p["symbol"], p["comment"], "")


def _matches_group(symbol: str, group) -> bool:
    if not group:
        return True
    import fnmatch
    ok = False
    for part in str(group).split(","):
        part = part.strip()
        if part.startswith("!"):
            if fnmatch.fnmatch(symbol, part[1:]):
                return False
        elif fnmatch.fnmatch(symbol, part):
            ok = True
    return ok


@_api("positions_total")
def positions_total():
    with _lock:
        return len(_load()["positions"])


@_api("positions_get")
def positions_get(symbol=None, group=None, ticket=None):
    with _lock:
        st = _load()
        out = [p for p in st["positions"]
               if (symbol is None or p["symbol"] == symbol) and (ticket is None or p["ticket"] == ticket)
               and _matches_group(p["symbol"], group)]
        return tuple(_position_tuple(p, st) for p in out)


def _order_tuple(o: dict) -> TradeOrder:
    return TradeOrder(o["ticket"], o["time_setup"], o["time_setup"] * 1000, o["time_done"], o["time_done"] * 1000,
                      o.get("time_expiration", 0),
                      o["type"], o["type_time"], o["type_filling"], o["state"], o["magic"], o["position_id"], 0,
                      ORDER_REASON_EXPERT, o["volume_initial"], o["volume_current"], o["price_open"], o["sl"],
                      o["tp"], o["price_current"], 0.0, o["symbol"], o["comment"], "")


@_api("orders_get")
def orders_get(symbol=None, group=None, ticket=None):
    with _lock:
        st = _load()
        return tuple(_order_tuple(o) for o in st["orders"]
                     if (symbol is None or o["symbol"] == symbol) and (ticket is None or o["ticket"] == ticket)
                     and _matches_group(o["symbol"], group))


def _ts(value) -> float:
    if value is None:
        return 0
    if hasattr(value, "timestamp"):
        return value.timestamp()
    return float(value)


@_api("history_orders_get")
def history_orders_get(date_from=None, date_to=None, group=None, ticket=None, position=None):
    with _lock:
        st = _load()
        rows = st["history_orders"]
        if ticket is not None:
            rows = [o for o in rows if o["ticket"] == ticket]
        elif position is not None:
            rows = [o for o in rows if o["position_id"] == position]
        else:
            lo, hi = _ts(date_from), _ts(date_to)
            rows = [o for o in rows if lo <= o["time_setup"] <= hi and _matches_group(o["symbol"], group)]
        return tuple(_order_tuple(o) for o in rows)


def _trigger_stops(st: dict) -> None:
    """The server side of sl/tp: closes every position whose stop the current quote has crossed."""
    for p in list(st["positions"]):
        sym = st["symbols"].get(p["symbol"])
        if sym is None or not (p.get("sl") or p.get("tp")):
            continue
        bid, ask = _quote(p["symbol"], sym)
        buy = p["type"] == POSITION_TYPE_BUY
        market = bid if buy else ask
        sl, tp = float(p.get("sl") or 0), float(p.get("tp") or 0)
        if sl and (market <= sl if buy else market >= sl):
            price, reason, comment = sl, DEAL_REASON_SL, f"[sl {sl}]"
        elif tp and (market >= tp if buy else market <= tp):
            price, reason, comment = tp, DEAL_REASON_TP, f"[tp {tp}]"
        else:
            continue
        now = int(_server_time())
        order_ticket, deal_ticket = st["next_ticket"], st["next_ticket"] + 1
        st["next_ticket"] += 2
        sign = 1 if buy else -1
        profit = round((price - p["price_open"]) * p["volume"] * sym["trade_contract_size"] * sign, 2)
        st["positions"].remove(p)
        st["account"]["balance"] = round(st["account"]["balance"] + profit, 2)
        closing = ORDER_TYPE_SELL if buy else ORDER_TYPE_BUY
        st["history_orders"].append({"ticket": order_ticket, "time_setup": now, "time_done": now, "type": closing,
                                     "type_time": ORDER_TIME_GTC, "type_filling": ORDER_FILLING_IOC,
                                     "state": ORDER_STATE_FILLED, "magic": p["magic"], "position_id": p["identifier"],
                                     "volume_initial": p["volume"], "volume_current": 0.0, "price_open": price,
                                     "sl": 0.0, "tp": 0.0, "price_current": price, "symbol": p["symbol"],
                                     "comment": comment})
        st["deals"].append({"ticket": deal_ticket, "order": order_ticket, "time": now,
                            "type": DEAL_TYPE_SELL if buy else DEAL_TYPE_BUY, "entry": DEAL_ENTRY_OUT,
                            "magic": p["magic"], "position_id": p["identifier"], "volume": p["volume"],
                            "price": price, "commission": 0.0, "profit": profit, "symbol": p["symbol"],
                            "comment": comment, "reason": reason})


_PENDING_BUY = (ORDER_TYPE_BUY_LIMIT, ORDER_TYPE_BUY_STOP)


def _trigger_pending(st: dict) -> None:
    """The server side of pending orders: one the quote reaches becomes a position; one past its expiration expires."""
    now = int(_server_time())
    for o in list(st["orders"]):
        sym = st["symbols"].get(o["symbol"])
        if sym is None:
            continue
        if o["type_time"] == ORDER_TIME_SPECIFIED and o.get("time_expiration") and now >= o["time_expiration"]:
            st["orders"].remove(o)
            o.update(state=ORDER_STATE_EXPIRED, time_done=now)
            st["history_orders"].append(o)
            continue
        bid, ask = _quote(o["symbol"], sym)
        buy = o["type"] in _PENDING_BUY
        market = ask if buy else bid
        limit = o["type"] in (ORDER_TYPE_BUY_LIMIT, ORDER_TYPE_SELL_LIMIT)
        price = o["price_open"]
        reached = (market <= price if buy else market >= price) if limit else (market >= price if buy else market <= price)
        if not reached:
            continue
        st["orders"].remove(o)
        deal_ticket = st["next_ticket"]
        st["next_ticket"] += 1
        o.update(state=ORDER_STATE_FILLED, time_done=now, volume_current=0.0, position_id=o["ticket"], price_current=market)
        st["history_orders"].append(o)
        st["positions"].append({"ticket": o["ticket"], "identifier": o["ticket"], "time": now, "time_update": now,
                                "type": POSITION_TYPE_BUY if buy else POSITION_TYPE_SELL, "magic": o["magic"],
                                "volume": o["volume_initial"], "price_open": market, "sl": o["sl"], "tp": o["tp"],
                                "symbol": o["symbol"], "comment": o["comment"]})
        st["deals"].append({"ticket": deal_ticket, "order": o["ticket"], "time": now,
                            "type": DEAL_TYPE_BUY if buy else DEAL_TYPE_SELL, "entry": DEAL_ENTRY_IN,
                            "magic": o["magic"], "position_id": o["ticket"], "volume": o["volume_initial"],
                            "price": market, "commission": 0.0, "profit": 0.0, "symbol": o["symbol"],
                            "comment": o["comment"]})


def _deal_tuple(d: dict) -> TradeDeal:
    return TradeDeal(d["ticket"], d["order"], d["time"], d["time"] * 1000, d["type"], d["entry"], d["magic"],
                     d["position_id"], d.get("reason", DEAL_REASON_EXPERT), d["volume"], d["price"], d["commission"], 0.0,
                     d["profit"], 0.0, d["symbol"], d["comment"], "")


@_api("history_deals_get")
def history_deals_get(date_from=None, date_to=None, group=None, ticket=None, position=None):
    """As the real one: (date_from, date_to[, group]) or ticket= (an ORDER ticket) or position=."""
    with _lock:
        st = _load()
        rows = st["deals"]
        if ticket is not None:
            rows = [d for d in rows if d["order"] == ticket]
        elif position is not None:
            rows = [d for d in rows if d["position_id"] == position]
        else:
            lo, hi = _ts(date_from), _ts(date_to)
            rows = [d for d in rows if lo <= d["time"] <= hi and _matches_group(d["symbol"], group)]
        return tuple(_deal_tuple(d) for d in rows)


# --- trading ---------------------------------------------------------------------------------------
def _request_tuple(r: dict) -> TradeRequest:
    return TradeRequest(r.get("action", 0), r.get("magic", 0), r.get("order", 0), r.get("symbol", ""),
                        float(r.get("volume", 0.0)), float(r.get("price", 0.0)), float(r.get("stoplimit", 0.0)),
                        float(r.get("sl", 0.0)), float(r.get("tp", 0.0)), r.get("deviation", 0), r.get("type", 0),
                        r.get("type_filling", 0), r.get("type_time", 0), r.get("expiration", 0),
                        r.get("comment", ""), r.get("position", 0), r.get("position_by", 0))


def _points(sym: dict, key: str) -> float:
    return float(sym.get(key, 0)) * sym["point"]


def _validate_sltp(req: dict, st: dict, sym: dict):
    """TRADE_ACTION_SLTP: the position's new stops, checked as the server does."""
    position = next((p for p in st["positions"] if p["ticket"] == req.get("position")), None)
    if position is None:
        return TRADE_RETCODE_POSITION_CLOSED, "Position doesn't exist", None
    bid, ask = _quote(position["symbol"], sym)
    buy = position["type"] == POSITION_TYPE_BUY
    market = bid if buy else ask
    sl, tp = float(req.get("sl") or 0), float(req.get("tp") or 0)
    if (sl, tp) == (float(position["sl"] or 0), float(position["tp"] or 0)):
        return TRADE_RETCODE_NO_CHANGES, "No changes", None
    freeze, level = _points(sym, "trade_freeze_level"), _points(sym, "trade_stops_level")
    for old in (float(position["sl"] or 0), float(position["tp"] or 0)):
        if old and freeze and abs(market - old) < freeze - 1e-9:
            return TRADE_RETCODE_FROZEN, "Frozen", None
    if sl and (market - sl < level - 1e-9 if buy else sl - market < level - 1e-9):
        return TRADE_RETCODE_INVALID_STOPS, "Invalid stops", None
    if tp and (tp - market < level - 1e-9 if buy else market - tp < level - 1e-9):
        return TRADE_RETCODE_INVALID_STOPS, "Invalid stops", None
    return 0, "Done", {"position": position, "sl": sl, "tp": tp, "sym": sym, "bid": bid, "ask": ask}


def _validate_remove(req: dict, st: dict, sym: dict):
    order = next((o for o in st["orders"] if o["ticket"] == req.get("order")), None)
    if order is None:
        return TRADE_RETCODE_INVALID_ORDER, "Invalid order", None
    bid, ask = _quote(order["symbol"], sym)
    market = ask if order["type"] in _PENDING_BUY else bid
    freeze = _points(sym, "trade_freeze_level")
    if freeze and abs(market - order["price_open"]) < freeze - 1e-9:
        return TRADE_RETCODE_FROZEN, "Frozen", None
    return 0, "Done", {"order": order, "bid": bid, "ask": ask}


def _validate(req: dict, st: dict):
    """Returns (retcode, comment, context) where context holds what a send needs."""
    faults = _faults()
    sym = st["symbols"].get(req.get("symbol", ""))
    action = req.get("action")
    if action not in (TRADE_ACTION_DEAL, TRADE_ACTION_PENDING, TRADE_ACTION_SLTP, TRADE_ACTION_REMOVE) or sym is None:
        return TRADE_RETCODE_INVALID, "Invalid request", None
    if faults.get("no_connection"):
        return TRADE_RETCODE_CONNECTION, "No connection", None
    if faults.get("market_closed"):
        return TRADE_RETCODE_MARKET_CLOSED, "Market closed", None
    if action == TRADE_ACTION_SLTP:
        return _validate_sltp(req, st, sym)
    if action == TRADE_ACTION_REMOVE:
        return _validate_remove(req, st, sym)
    volume = float(req.get("volume", 0))
    steps = volume / sym["volume_step"]
    if volume < sym["volume_min"] or volume > sym["volume_max"] or abs(steps - round(steps)) > 1e-7:
        return TRADE_RETCODE_INVALID_VOLUME, "Invalid volume", None
    bid, ask = _quote(req["symbol"], sym)
    otype = req.get("type")
    level = _points(sym, "trade_stops_level")
    if action == TRADE_ACTION_DEAL:
        if otype not in (ORDER_TYPE_BUY, ORDER_TYPE_SELL):
            return TRADE_RETCODE_INVALID, "Invalid request", None
        price = ask if otype == ORDER_TYPE_BUY else bid
    else:
        pending = (ORDER_TYPE_BUY_LIMIT, ORDER_TYPE_SELL_LIMIT, ORDER_TYPE_BUY_STOP, ORDER_TYPE_SELL_STOP)
        if otype not in pending or not req.get("price"):
            return TRADE_RETCODE_INVALID_PRICE, "Invalid price", None
        price = float(req["price"])
        tick = float(sym.get("trade_tick_size") or sym["point"])
        if abs(price / tick - round(price / tick)) > 1e-6:
            return TRADE_RETCODE_INVALID_PRICE, "Invalid price", None
        # a limit waits for a better price, a stop for a worse one, each at least trade_stops_level away
        ok = {ORDER_TYPE_BUY_LIMIT: ask - price >= level - 1e-9 and price < ask,
              ORDER_TYPE_SELL_LIMIT: price - bid >= level - 1e-9 and price > bid,
              ORDER_TYPE_BUY_STOP: price - ask >= level - 1e-9 and price > ask,
              ORDER_TYPE_SELL_STOP: bid - price >= level - 1e-9 and price < bid}[otype]
        if not ok:
            return TRADE_RETCODE_INVALID_PRICE, "Invalid price", None
        if req.get("type_time") == ORDER_TIME_SPECIFIED and int(req.get("expiration") or 0) <= int(_server_time()):
            return TRADE_RETCODE_INVALID_EXPIRATION, "Invalid expiration", None
    buy = otype in (ORDER_TYPE_BUY, ORDER_TYPE_BUY_LIMIT, ORDER_TYPE_BUY_STOP)
    sl, tp = float(req.get("sl") or 0), float(req.get("tp") or 0)
    position = None
    if req.get("position"):
        position = next((p for p in st["positions"] if p["ticket"] == req["position"]), None)
        if position is None:
            return TRADE_RETCODE_POSITION_CLOSED, "Position already closed", None
        if position["symbol"] != req["symbol"] or (position["type"] == POSITION_TYPE_BUY) == buy:
            return TRADE_RETCODE_INVALID, "Invalid request", None
        if volume > position["volume"] + 1e-9:
            return TRADE_RETCODE_INVALID_CLOSE_VOLUME, "Invalid close volume", None
    elif (sl and (sl >= price if buy else sl <= price)) or (tp and (tp <= price if buy else tp >= price)):
        return TRADE_RETCODE_INVALID_STOPS, "Invalid stops", None
    elif (sl and abs(price - sl) < level - 1e-9) or (tp and abs(tp - price) < level - 1e-9):
        return TRADE_RETCODE_INVALID_STOPS, "Invalid stops", None
    margin = 0.0 if position else price * volume * sym["trade_contract_size"] / st["account"]["leverage"]
    profit, used = _floating(st)
    free = st["account"]["balance"] + profit - used
    if faults.get("no_money") or margin > free:
        return TRADE_RETCODE_NO_MONEY, "No money", None
    return 0, "Done", {"sym": sym, "price": price, "bid": bid, "ask": ask, "buy": buy, "volume": volume,
                       "position": position, "margin": margin, "free": free, "profit": profit, "used": used}


@_api("order_check")
def order_check(request):
    if not isinstance(request, dict):
        _set_error((RES_E_INVALID_PARAMS, "Invalid arguments"))
        return None
    with _lock:
        st = _load()
        retcode, comment, ctx = _validate(request, st)
        bal = st["account"]["balance"]
        if ctx is None or "profit" not in ctx:
            return OrderCheckResult(retcode, bal, bal, 0.0, 0.0, bal, 0.0, comment, _request_tuple(request))
        equity = round(bal + ctx["profit"], 2)
        margin = round(ctx["used"] + ctx["margin"], 2)
        level = round(equity / margin * 100, 2) if margin else 0.0
        return OrderCheckResult(0, bal, equity, ctx["profit"], margin, round(equity - margin, 2), level, "Done",
                                _request_tuple(request))


def _execute(request: dict, st: dict, ctx: dict) -> dict:
    """Makes the deal (or places the pending order, changes the stops, removes the order) and persists the state."""
    now = int(_server_time())
    if request["action"] == TRADE_ACTION_SLTP:
        ctx["position"].update(sl=ctx["sl"], tp=ctx["tp"], time_update=now)
        _save()
        return {"retcode": TRADE_RETCODE_DONE, "deal": 0, "order": 0, "price": 0.0}
    if request["action"] == TRADE_ACTION_REMOVE:
        st["orders"].remove(ctx["order"])
        ctx["order"].update(state=ORDER_STATE_CANCELED, time_done=now)
        st["history_orders"].append(ctx["order"])
        _save()
        return {"retcode": TRADE_RETCODE_DONE, "deal": 0, "order": ctx["order"]["ticket"], "price": 0.0}
    order_ticket = st["next_ticket"]
    deal_ticket = order_ticket + 1
    st["next_ticket"] += 2
    magic, comment = int(request.get("magic", 0)), str(request.get("comment", ""))
    sl, tp = float(request.get("sl") or 0), float(request.get("tp") or 0)
    otype = request["type"]
    order = {"ticket": order_ticket, "time_setup": now, "time_done": now, "type": otype,
             "type_time": request.get("type_time", 0), "type_filling": request.get("type_filling", 0),
             "state": ORDER_STATE_FILLED, "magic": magic, "position_id": 0, "volume_initial": ctx["volume"],
             "volume_current": 0.0, "price_open": ctx["price"], "sl": sl, "tp": tp, "price_current": ctx["price"],
             "symbol": request["symbol"], "comment": comment}
    if request["action"] == TRADE_ACTION_PENDING:
        order.update(state=ORDER_STATE_PLACED, time_done=0, volume_current=ctx["volume"],
                     time_expiration=int(request.get("expiration") or 0))
        st["orders"].append(order)
        _save()
        return {"retcode": TRADE_RETCODE_PLACED, "deal": 0, "order": order_ticket, "price": 0.0}
    position = ctx["position"]
    profit = 0.0
    if position is None:
        st["positions"].append({"ticket": order_ticket, "identifier": order_ticket, "time": now, "time_update": now,
                                "type": POSITION_TYPE_BUY if ctx["buy"] else POSITION_TYPE_SELL, "magic": magic,
                                "volume": ctx["volume"], "price_open": ctx["price"], "sl": sl, "tp": tp,
                                "symbol": request["symbol"], "comment": comment})
        position_id, entry = order_ticket, DEAL_ENTRY_IN
    else:
        sign = 1 if position["type"] == POSITION_TYPE_BUY else -1
        profit = round((ctx["price"] - position["price_open"]) * ctx["volume"] *
                       ctx["sym"]["trade_contract_size"] * sign, 2)
        position["volume"] = round(position["volume"] - ctx["volume"], 8)
        position["time_update"] = now
        if position["volume"] <= 1e-9:
            st["positions"].remove(position)
        st["account"]["balance"] = round(st["account"]["balance"] + profit, 2)
        position_id, entry = position["identifier"], DEAL_ENTRY_OUT
    order["position_id"] = position_id
    st["history_orders"].append(order)
    st["deals"].append({"ticket": deal_ticket, "order": order_ticket, "time": now,
                        "type": DEAL_TYPE_BUY if ctx["buy"] else DEAL_TYPE_SELL, "entry": entry, "magic": magic,
                        "position_id": position_id, "volume": ctx["volume"], "price": ctx["price"],
                        "commission": 0.0, "profit": profit, "symbol": request["symbol"], "comment": comment})
    _save()
    return {"retcode": TRADE_RETCODE_DONE, "deal": deal_ticket, "order": order_ticket, "price": ctx["price"]}


def _forced_retcode(comment: str):
    """send_retcode, consumed only by a send it applies to (its "comment", when it names one)."""
    wanted = (_faults().get("send_retcode") or {}).get("comment")
    if wanted is not None and wanted != comment:
        return None
    return _take("send_retcode")


def _log_send(comment: str) -> None:
    path = os.environ.get("MT5_FAKE_SEND_LOG")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as f:
        f.write(comment + "\n")
        f.flush()
        os.fsync(f.fileno())


def _wait_release(seconds: float) -> None:
    deadline = None if seconds < 0 else time.monotonic() + seconds
    while deadline is None or time.monotonic() < deadline:
        if _read_control().get("release"):
            return
        time.sleep(0.02)


@_api("order_send")
def order_send(request):
    if not isinstance(request, dict):
        _set_error((RES_E_INVALID_PARAMS, "Invalid arguments"))
        return None
    if len(str(request.get("comment", ""))) > 31:
        _set_error((RES_E_INVALID_PARAMS, 'Invalid "comment" argument'))
        return None
    with _lock:
        st = _load()
        st["stats"]["order_send"] += 1
        _save()
        _log_send(str(request.get("comment", "")))
    if _take("send_none"):
        _lose_ipc(_IPC_SEND)
        return None
    req = _request_tuple(request)
    with _lock:
        st = _load()
        retcode, comment, ctx = _validate(request, st)
        bid, ask = (ctx["bid"], ctx["ask"]) if ctx else (0.0, 0.0)
        if ctx is not None and _faults().get("autotrading_disabled"):
            retcode, comment, ctx = TRADE_RETCODE_CLIENT_DISABLES_AT, "AutoTrading disabled by client", None
        if ctx is not None and _take("requote"):
            return OrderSendResult(TRADE_RETCODE_REQUOTE, 0, 0, 0.0, 0.0, bid, ask, "Requote", 1, 0, req)
        if ctx is None:
            return OrderSendResult(retcode, 0, 0, 0.0, 0.0, bid, ask, comment, 1, 0, req)
        forced = _forced_retcode(str(request.get("comment", "")))
        if forced and not forced.get("fill"):
            return OrderSendResult(int(forced["code"]), 0, 0, 0.0, 0.0, bid, ask, "Forced", 1, 0, req)
        done = _execute(request, st, ctx)
    if forced:
        return OrderSendResult(int(forced["code"]), 0, 0, 0.0, 0.0, bid, ask, "Forced", 1, 0, req)
    if _take("none_after_fill"):
        _lose_ipc(_IPC_TIMEOUT)
        return None
    if _take("crash_after_fill"):
        os._exit(70)
    hang = _take("hang_after_fill")
    if hang is not None and hang is not False:
        _wait_release(float(hang))
    text = "Request executed" if done["retcode"] == TRADE_RETCODE_DONE else "Order placed"
    return OrderSendResult(done["retcode"], done["deal"], done["order"], ctx.get("volume", 0.0), done["price"], bid, ask,
                           text, 1, 0, req)


def _reset_for_tests() -> None:
    """Forgets the in-process terminal (not part of the real package): the next call re-reads
    MT5_FAKE_STATE / MT5_FAKE_FAULTS, as a fresh process would."""
    global _state, _env_faults, _initialized, _last_error
    with _lock:
        _state = None
        _env_faults = None
        _initialized = False
        _last_error = (RES_S_OK, "Success")
        _last_ticks.clear()


def _stats() -> dict:
    """The fake's bookkeeping (calls per function, max concurrency, sends); not part of the real package."""
    with _lock:
        return json.loads(json.dumps(_load()["stats"]))
