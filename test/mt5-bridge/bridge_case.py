"""The harness of the bridge tests: the real bridge (in-process server on an ephemeral port) over the fake
MetaTrader5 package, in a temp folder of its own per test."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import unittest
import urllib.error
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BRIDGE_DIR = os.path.join(ROOT, "scripts", "mt5-bridge")
FAKE_DIR = os.path.join(ROOT, "test", "fake-mt5")
for p in (BRIDGE_DIR, FAKE_DIR):
    if p not in sys.path:
        sys.path.insert(0, p)

import MetaTrader5 as fake  # noqa: E402  (the fake: FAKE_DIR is first on sys.path)
import bridge as bridge_mod  # noqa: E402

bridge_mod.log = lambda message: None  # keep the test output readable

TOKEN = "test-token-0123456789abcdef"
ORDER = {"action": "DEAL", "symbol": "7203.T", "volume": 1, "type": "BUY", "magic": 7}


class BridgeCase(unittest.TestCase):
    call_timeout = 5.0

    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.control = os.path.join(self.tmp.name, "control.json")
        self.state_db = os.path.join(self.tmp.name, "bridge.db")
        self.send_log = os.path.join(self.tmp.name, "sends.log")
        env = {"MT5_FAKE_STATE": os.path.join(self.tmp.name, "fake.json"), "MT5_FAKE_CONTROL": self.control,
               "MT5_FAKE_FAULTS": "{}", "MT5_FAKE_SEND_LOG": self.send_log}
        self._old_env = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        self.addCleanup(self._restore_env)
        fake._reset_for_tests()
        self.start_bridge()

    def _restore_env(self) -> None:
        for k, v in self._old_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v

    def start_bridge(self) -> None:
        self.bridge = bridge_mod.Bridge(fake, TOKEN, self.state_db, call_timeout=self.call_timeout,
                                        reinit_backoff=0.001)
        self.server = bridge_mod.make_server(self.bridge, "127.0.0.1", 0)
        self.bridge.start()
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.addCleanup(self.stop_bridge, self.server, self.bridge)

    def stop_bridge(self, server, bridge) -> None:
        server.shutdown()
        server.server_close()
        bridge.terminal.shutdown()

    def faults(self, **faults) -> None:
        with open(self.control, "w", encoding="utf-8") as f:
            json.dump(faults, f)

    def control_file(self) -> dict:
        """The faults as the fake left them (counted faults are consumed from the file)."""
        with open(self.control, encoding="utf-8") as f:
            return json.load(f)

    def sent(self) -> list[str]:
        """The comment of every order_send that reached the terminal, in order."""
        if not os.path.exists(self.send_log):
            return []
        with open(self.send_log, encoding="utf-8") as f:
            return f.read().splitlines()

    def deals_of(self, coid: str) -> list[dict]:
        with open(os.environ["MT5_FAKE_STATE"], encoding="utf-8") as f:
            return [d for d in json.load(f)["deals"] if d["comment"] == coid]

    def req(self, method: str, path: str, body=None, token: str | None = TOKEN) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        r = urllib.request.Request(self.url + path, data=data, method=method)
        if token is not None:
            r.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(r, timeout=30) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    def send(self, coid: str, **extra) -> tuple[int, dict]:
        return self.req("POST", "/order/send", {**ORDER, "client_order_id": coid, **extra})
