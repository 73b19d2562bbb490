"""The one thread that talks to the MetaTrader 5 terminal.

The MetaTrader5 package keeps one IPC channel and one global last_error(); two threads calling it at
once can interleave and read each other's error. So every call runs on a single worker thread (a
ThreadPoolExecutor with one worker is a queue plus a thread); HTTP threads submit jobs and wait for
the result with a timeout. last_error() is captured right after each call, on the same thread.

IPC failures (RES_E_INTERNAL_FAIL*, -10000..-10005) re-initialise the terminal (shutdown +
initialize) up to `max_reinit` times with exponential backoff; after that the terminal is reported
unhealthy, and each later job tries one initialize() before giving up, so it recovers by itself.
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
from typing import Any, Callable

IPC_ERRORS = {-10000, -10001, -10002, -10003, -10004, -10005}
RES_S_OK = 1


class BridgeError(Exception):
    """An error with a stable code and HTTP status, answered as {error: {code, message}}."""

    def __init__(self, code: str, message: str, status: int = 500, details: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.details = details or {}


class CallFailed(BridgeError):
    """A terminal call returned None/False; carries last_error()."""

    def __init__(self, name: str, error: tuple[int, str]):
        code = "MT5_UNAVAILABLE" if error[0] in IPC_ERRORS else "MT5_CALL_FAILED"
        super().__init__(code, f"{name}() failed: last_error={error[0]} {error[1]}",
                         503 if error[0] in IPC_ERRORS else 502, {"last_error": list(error)})
        self.error = error


class Terminal:
    def __init__(self, mt5: Any, init_kwargs: dict | None = None, max_reinit: int = 3, backoff_s: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep, on_worker_start: Callable[[], None] | None = None):
        self.mt5 = mt5
        self.init_kwargs = init_kwargs or {}
        self.max_reinit = max_reinit
        self.backoff_s = backoff_s
        self.sleep = sleep
        self.healthy = False
        self.unhealthy_reason = "not initialised"
        self.reinit_count = 0
        self.busy_since: float | None = None
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="mt5-worker",
            initializer=on_worker_start if on_worker_start else None)
        self._worker_ident: int | None = None

    # --- submitting jobs (any thread) -------------------------------------------------------------
    def run(self, job: Callable[["Terminal"], Any], timeout: float) -> Any:
        """Runs job(self) on the worker thread; raises BridgeError MT5_TIMEOUT when it takes longer."""
        future = self._executor.submit(self._enter, job)
        try:
            return future.result(timeout=timeout)
        except concurrent.futures.TimeoutError:
            raise BridgeError("MT5_TIMEOUT", f"the terminal did not answer within {timeout:g} s", 504) from None

    def _enter(self, job: Callable[["Terminal"], Any]) -> Any:
        self._worker_ident = threading.get_ident()
        self.busy_since = time.monotonic()
        try:
            if not self.healthy and not self.initialize():
                raise BridgeError("MT5_UNAVAILABLE", self.unhealthy_reason, 503)
            return job(self)
        finally:
            self.busy_since = None

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    # --- on the worker thread ---------------------------------------------------------------------
    def _assert_worker(self) -> None:
        if threading.get_ident() != self._worker_ident:
            raise RuntimeError("MetaTrader5 called outside the worker thread")

    def raw(self, name: str, *args: Any, **kwargs: Any) -> tuple[Any, tuple[int, str]]:
        """One terminal call and the last_error() read right after it."""
        self._assert_worker()
        result = getattr(self.mt5, name)(*args, **kwargs)
        error = tuple(self.mt5.last_error())
        return result, (int(error[0]), str(error[1]))

    def call(self, name: str, *args: Any, retry_after_reinit: bool = True, **kwargs: Any) -> Any:
        """A call whose None/False means failure; IPC failures re-initialise, then (reads) retry once."""
        result, error = self.raw(name, *args, **kwargs)
        if result is not None and result is not False:
            return result
        if error[0] in IPC_ERRORS:
            self.reinitialise(error)
            if retry_after_reinit:
                result, error = self.raw(name, *args, **kwargs)
                if result is not None and result is not False:
                    return result
        raise CallFailed(name, error)

    def collection(self, name: str, *args: Any, **kwargs: Any) -> list:
        """positions_get/orders_get/history_*_get: None with RES_S_OK (or not found) means empty."""
        try:
            return list(self.call(name, *args, **kwargs))
        except CallFailed as err:
            if err.error[0] in (RES_S_OK, -4):
                return []
            raise

    def initialize(self) -> bool:
        ok, error = self.raw("initialize", **self.init_kwargs)
        if ok:
            self.healthy = True
            self.unhealthy_reason = ""
        else:
            self.healthy = False
            self.unhealthy_reason = f"initialize() failed: last_error={error[0]} {error[1]}"
        return bool(ok)

    def reinitialise(self, error: tuple[int, str]) -> None:
        """shutdown + initialize, up to max_reinit times with exponential backoff; else unhealthy."""
        for attempt in range(self.max_reinit):
            self.sleep(self.backoff_s * (2 ** attempt))
            self.reinit_count += 1
            self.mt5.shutdown()
            if self.initialize():
                return
        self.healthy = False
        self.unhealthy_reason = (f"IPC failure ({error[0]} {error[1]}); {self.max_reinit} re-initialisations failed")
        raise BridgeError("MT5_UNAVAILABLE", self.unhealthy_reason, 503, {"last_error": list(error)})
