"""Bridge tests against the fake MetaTrader5 package (in-process server on an ephemeral port).

Run from the project root:  python3 -m unittest discover -s test/mt5-bridge -t test/mt5-bridge
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import unittest
import urllib.request

from bridge_case import BRIDGE_DIR, FAKE_DIR, TOKEN, BridgeCase, bridge_mod, fake
from store import IdempotencyStore


class AuthTest(BridgeCase):
    def test_missing_and_wrong_token_are_401(self) -> None:
        status, body = self.req("GET", "/health", token=None)
        self.assertEqual((status, body["error"]["code"]), (401, "AUTH_FAILED"))
        status, body = self.req("GET", "/account", token="wrong-token-0123456789abcdef")
        self.assertEqual((status, body["error"]["code"]), (401, "AUTH_FAILED"))
        status, _ = self.req("GET", "/health")
        self.assertEqual(status, 200)

    def test_token_compared_in_constant_time(self) -> None:
        seen = []
        real = bridge_mod.hmac.compare_digest

        def spy(a, b):
            seen.append((a, b))
            return real(a, b)

        bridge_mod.hmac.compare_digest = spy
        self.addCleanup(setattr, bridge_mod.hmac, "compare_digest", real)
        self.req("GET", "/health", token="nope")
        self.req("GET", "/health")
        self.assertEqual(seen, [(b"nope", TOKEN.encode()), (TOKEN.encode(), TOKEN.encode())])

    def test_auth_checked_before_routing(self) -> None:
        status, body = self.req("POST", "/order/send", {"client_order_id": "X"}, token=None)
        self.assertEqual(status, 401)
        self.assertEqual(fake._stats()["order_send"], 0)


class HealthTest(BridgeCase):
    def test_health_carries_the_account_so_the_daemon_needs_no_second_call(self) -> None:
        status, body = self.req("GET", "/health")
        self.assertEqual((status, body["healthy"], body["account"]["currency"]), (200, True, "JPY"))
        self.assertEqual(set(body["account"]), {"currency", "balance", "equity", "margin_free"})


class WorkerTest(BridgeCase):
    def test_the_fake_detects_overlapping_calls(self) -> None:
        """Control: called from two threads directly, the fake records concurrency 2."""
        self.faults(call_delay_s=0.2)
        barrier = threading.Barrier(2)

        def call():
            barrier.wait()
            fake.account_info()

        threads = [threading.Thread(target=call) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(fake._stats()["max_concurrency"], 2)

    def test_concurrent_requests_never_overlap_in_the_terminal(self) -> None:
        self.faults(call_delay_s=0.02)
        paths = ["/account", "/positions", "/deals?from=0", "/tick?symbol=7203.T", "/orders", "/health"] * 3
        results: list[int] = []
        barrier = threading.Barrier(len(paths))

        def hit(path):
            barrier.wait()
            results.append(self.req("GET", path)[0])

        threads = [threading.Thread(target=hit, args=(p,)) for p in paths]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(results, [200] * len(paths))
        stats = fake._stats()
        self.assertGreater(sum(stats["calls"].values()), len(paths))
        self.assertEqual(stats["max_concurrency"], 1)


class ReinitTest(BridgeCase):
    def test_ipc_failure_reinitialises_and_retries_a_read(self) -> None:
        self.faults(ipc_fail=1)
        status, body = self.req("GET", "/positions")
        self.assertEqual((status, body), (200, []))
        stats = fake._stats()
        self.assertEqual(stats["calls"]["initialize"], 2)  # start + one re-initialisation
        self.assertEqual(stats["shutdown"], 1)

    def test_three_failed_reinitialisations_make_it_unhealthy_then_it_recovers(self) -> None:
        self.faults(ipc_down=True)
        status, body = self.req("GET", "/positions")
        self.assertEqual((status, body["error"]["code"]), (503, "MT5_UNAVAILABLE"))
        self.assertEqual(fake._stats()["calls"]["initialize"], 1 + 3)
        status, body = self.req("GET", "/health")
        self.assertEqual(status, 503)
        self.assertFalse(body["healthy"])
        self.assertEqual(fake._stats()["calls"]["initialize"], 1 + 3 + 1)  # one attempt per request while unhealthy
        self.faults()
        status, body = self.req("GET", "/health")
        self.assertEqual(status, 200)
        self.assertTrue(body["healthy"])

    def test_unhealthy_terminal_refuses_sends_without_calling_order_send(self) -> None:
        self.faults(ipc_down=True)
        self.req("GET", "/account")
        status, body = self.send("ORD_20250101_009")
        self.assertEqual((status, body["error"]["code"]), (503, "MT5_UNAVAILABLE"))
        self.assertEqual(fake._stats()["order_send"], 0)


class IdempotencyTest(BridgeCase):
    def test_same_client_order_id_sends_once(self) -> None:
        s1, first = self.send("ORD_20250101_001")
        s2, second = self.send("ORD_20250101_001")
        self.assertEqual((s1, s2), (200, 200))
        self.assertEqual(first["outcome"], "filled")
        self.assertTrue(second["replayed"])
        self.assertEqual(second["deal"], first["deal"])
        self.assertEqual(fake._stats()["order_send"], 1)

    def test_table_survives_a_bridge_restart(self) -> None:
        _, first = self.send("ORD_20250101_002")
        self.stop_bridge(self.server, self.bridge)
        fake._reset_for_tests()
        self.start_bridge()
        _, again = self.send("ORD_20250101_002")
        self.assertTrue(again["replayed"])
        self.assertEqual(again["deal"], first["deal"])
        self.assertEqual(fake._stats()["order_send"], 1)

    def test_final_rejection_is_stored(self) -> None:
        self.faults(market_closed=True)
        _, first = self.send("ORD_20250101_003")
        self.assertEqual((first["retcode"], first["outcome"]), (10018, "rejected"))
        self.faults()
        _, again = self.send("ORD_20250101_003")
        self.assertEqual((again["retcode"], again.get("replayed")), (10018, True))
        self.assertEqual(fake._stats()["order_send"], 1)

    def test_retryable_refusal_may_be_sent_again(self) -> None:
        self.faults(requote=1)
        _, first = self.send("ORD_20250101_004")
        self.assertEqual((first["retcode"], first["outcome"]), (10004, "retryable"))
        _, second = self.send("ORD_20250101_004")
        self.assertEqual(second["outcome"], "filled")
        stats = fake._stats()
        self.assertEqual(stats["order_send"], 2)
        with open(os.environ["MT5_FAKE_STATE"], encoding="utf-8") as f:
            self.assertEqual(len(json.load(f)["deals"]), 1)

    def test_comment_carries_the_client_order_id(self) -> None:
        status, body = self.send("ORD_20250101_005", comment="something else")
        self.assertEqual((status, body["error"]["code"]), (400, "VALIDATION_ERROR"))
        status, body = self.send("X" * 32)
        self.assertEqual(status, 400)


class InFlightRecoveryTest(BridgeCase):
    def test_lost_reply_after_fill_is_recovered_by_comment(self) -> None:
        self.faults(none_after_fill=True)
        status, body = self.send("ORD_20250101_010")
        self.assertEqual(status, 200)
        self.assertEqual((body["outcome"], body["recovered"], body["found_in"]), ("filled", True, "history_deals"))
        self.assertEqual(fake._stats()["order_send"], 1)
        _, again = self.send("ORD_20250101_010")
        self.assertEqual((again["deal"], again["replayed"]), (body["deal"], True))
        self.assertEqual(fake._stats()["order_send"], 1)

    def test_in_flight_row_left_by_a_crash_is_looked_up_not_resent(self) -> None:
        # the bridge wrote its row, the terminal dealt, then the bridge died before recording the result
        IdempotencyStore(self.state_db).begin("ORD_20250101_011", {"symbol": "7203.T"})
        fake.order_send({"action": fake.TRADE_ACTION_DEAL, "symbol": "7203.T", "volume": 1.0,
                         "type": fake.ORDER_TYPE_BUY, "magic": 7, "comment": "ORD_20250101_011"})
        status, body = self.send("ORD_20250101_011")
        self.assertEqual((status, body["outcome"], body["recovered"]), (200, "filled", True))
        self.assertEqual(fake._stats()["order_send"], 1)

    def test_in_flight_row_without_a_deal_is_sent(self) -> None:
        IdempotencyStore(self.state_db).begin("ORD_20250101_012", {"symbol": "7203.T"})
        _, body = self.send("ORD_20250101_012")
        self.assertEqual(body["outcome"], "filled")
        self.assertNotIn("recovered", body)
        self.assertEqual(fake._stats()["order_send"], 1)

    def test_send_that_never_reached_the_terminal_is_unknown_then_sent_once(self) -> None:
        self.faults(send_none=1)
        status, body = self.send("ORD_20250101_013")
        self.assertEqual((status, body["error"]["code"]), (502, "MT5_NO_REPLY"))
        self.assertEqual(body["error"]["details"]["outcome"], "unknown")
        _, again = self.send("ORD_20250101_013")
        self.assertEqual(again["outcome"], "filled")
        self.assertEqual(fake._stats()["order_send"], 2)


class ServerStopsTest(BridgeCase):
    def test_a_crossed_stop_loss_closes_the_position_with_an_sl_deal(self) -> None:
        status, body = self.send("ORD_20250101_030", sl=2400, tp=2700)
        self.assertEqual((status, body["outcome"]), (200, "filled"))
        self.faults(prices={"7203.T": {"bid": 2390, "ask": 2391}})
        _, positions = self.req("GET", "/positions")
        self.assertEqual(positions, [])
        _, deals = self.req("GET", "/deals?from=0")
        out = [d for d in deals if d["entry"] == fake.DEAL_ENTRY_OUT]
        self.assertEqual(len(out), 1)
        self.assertEqual((out[0]["comment"], out[0]["price"], out[0]["magic"], out[0]["reason"]),
                         ("[sl 2400.0]", 2400.0, 7, fake.DEAL_REASON_SL))
        self.assertEqual(out[0]["position_id"], deals[0]["position_id"])
        self.assertEqual(fake._stats()["order_send"], 1)


class TimeoutTest(BridgeCase):
    call_timeout = 0.3

    def test_reply_that_never_comes_is_504_then_the_stored_fill(self) -> None:
        self.faults(hang_after_fill=-1)
        status, body = self.send("ORD_20250101_020")
        self.assertEqual((status, body["error"]["code"]), (504, "MT5_TIMEOUT"))
        self.assertEqual(body["error"]["details"]["outcome"], "unknown")
        self.faults(release=True)
        self.bridge.call_timeout = 5.0
        _, again = self.send("ORD_20250101_020")
        self.assertEqual((again["outcome"], again["replayed"]), ("filled", True))
        self.assertEqual(fake._stats()["order_send"], 1)


class StreamTest(BridgeCase):
    """GET /stream: the terminal's ticks as Server-Sent Events."""

    def start_bridge(self) -> None:
        super().start_bridge()
        self.bridge.stream_poll_s = 0.01
        self.bridge.stream_heartbeat_s = 0.05

    def open_stream(self, symbols: str, token: str = TOKEN) -> http.client.HTTPResponse:
        conn = http.client.HTTPConnection("127.0.0.1", self.server.server_address[1], timeout=10)
        self.addCleanup(conn.close)
        conn.request("GET", f"/stream?symbols={symbols}", headers={"Authorization": f"Bearer {token}"})
        return conn.getresponse()

    @staticmethod
    def next_event(resp: http.client.HTTPResponse) -> tuple[str, dict] | None:
        """The next event (name, data), or None at the end of the stream."""
        name, data = "message", ""
        while True:
            line = resp.readline()
            if not line:
                return None
            line = line.decode("utf-8").rstrip("\n")
            if line == "":
                return name, json.loads(data)
            field, _, value = line.partition(": ")
            if field == "event":
                name = value
            elif field == "data":
                data += value

    def events_until(self, resp, pred, limit: int = 200) -> list[tuple[str, dict]]:
        seen = []
        for _ in range(limit):
            ev = self.next_event(resp)
            self.assertIsNotNone(ev, f"the stream ended; events: {seen}")
            seen.append(ev)
            if pred(ev):
                return seen
        self.fail(f"no matching event in {limit}: {seen[-5:]}")

    def test_ticks_are_sent_when_they_change_with_heartbeats_between(self) -> None:
        resp = self.open_stream("7203.T,9984.T")
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.getheader("Content-Type"), "text/event-stream; charset=utf-8")
        first = self.events_until(resp, lambda ev: ev[0] == "heartbeat")
        ticks = {d["instrument"]: d for name, d in first if name == "tick"}
        self.assertEqual(set(ticks), {"7203.T", "9984.T"})
        self.assertLess(ticks["7203.T"]["bid"], ticks["7203.T"]["ask"])
        self.assertRegex(ticks["7203.T"]["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        # An unchanged quote is not sent again: the next events are heartbeats only.
        later = self.events_until(resp, lambda ev: ev[0] == "heartbeat")
        later += self.events_until(resp, lambda ev: ev[0] == "heartbeat")
        self.assertEqual([name for name, _ in later], ["heartbeat", "heartbeat"])
        self.faults(prices={"7203.T": {"bid": 2901.0, "ask": 2902.0}})
        moved = self.events_until(resp, lambda ev: ev[0] == "tick")[-1][1]
        self.assertEqual((moved["instrument"], moved["bid"], moved["ask"]), ("7203.T", 2901.0, 2902.0))

    def test_bad_requests_are_answered_in_json_before_any_event(self) -> None:
        for query, status, code in (("", 400, "VALIDATION_ERROR"), ("NOPE.X", 404, "MT5_SYMBOL_NOT_FOUND")):
            resp = self.open_stream(query)
            self.assertEqual(resp.status, status)
            self.assertEqual(json.loads(resp.read())["error"]["code"], code)
        resp = self.open_stream("7203.T", token="wrong-token-0123456789")
        self.assertEqual(resp.status, 401)

    def test_a_terminal_failure_ends_the_stream_with_a_disconnect_event(self) -> None:
        resp = self.open_stream("7203.T")
        self.events_until(resp, lambda ev: ev[0] == "tick")
        self.faults(ipc_down=True)
        name, data = self.events_until(resp, lambda ev: ev[0] == "disconnect")[-1]
        self.assertEqual(data["code"], 503)
        self.assertIn("MT5_UNAVAILABLE", data["message"])
        self.assertIsNone(self.next_event(resp), "the stream ends after disconnect")


class CommandLineTest(unittest.TestCase):
    def test_prints_listening_line_and_requires_token(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "PYTHONPATH": FAKE_DIR, "MT5_FAKE_STATE": os.path.join(tmp, "f.json")}
            env.pop("MT5_BRIDGE_TOKEN", None)
            script = os.path.join(BRIDGE_DIR, "bridge.py")
            done = subprocess.run([sys.executable, script, "--port", "0"], env=env, capture_output=True, timeout=30)
            self.assertEqual(done.returncode, 2)
            env["MT5_BRIDGE_TOKEN"] = TOKEN
            proc = subprocess.Popen([sys.executable, script, "--port", "0", "--state", os.path.join(tmp, "b.db")],
                                    env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            try:
                line = json.loads(proc.stdout.readline())
                self.assertRegex(line["listening"], r"^http://127\.0\.0\.1:\d+$")
                r = urllib.request.Request(line["listening"] + "/health",
                                           headers={"Authorization": f"Bearer {TOKEN}"})
                with urllib.request.urlopen(r, timeout=10) as resp:
                    self.assertEqual(json.loads(resp.read())["login"], 5012345)
            finally:
                proc.terminate()
                proc.wait(timeout=10)
                proc.stdout.close()


if __name__ == "__main__":
    unittest.main()
