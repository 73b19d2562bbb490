"""A terminal whose IPC channel is lost at any call of the order path.

The channel stays lost until initialize() succeeds again (the fake models the package so). The bridge must read
last_error() after every None, re-initialise (bounded, with backoff) and go on, or fail as temporary or unknown:
never a final refusal under a wrong name, and never for the requests that come after.
"""

from __future__ import annotations

from bridge_case import ORDER, BridgeCase, fake
from store import IdempotencyStore

CHECK = {**ORDER, "client_order_id": "ORD_20250101_001"}
HIDDEN = {**CHECK, "symbol": "9984.T"}  # not in Market Watch: the path calls symbol_select too


class IpcLostOnTheCheckPathTest(BridgeCase):
    def test_ipc_lost_during_the_symbol_lookup_is_not_symbol_not_found_and_later_orders_pass(self) -> None:
        self.faults(ipc_lost_at={"symbol_info": 1})
        status, body = self.req("POST", "/order/check", CHECK)
        self.assertEqual((status, body.get("ok")), (200, True), body)
        self.assertEqual(self.control_file()["ipc_lost_at"], {}, "the channel was lost at symbol_info")
        self.assertEqual(fake._stats()["shutdown"], 1, "one re-initialisation")
        for _ in range(2):
            status, body = self.req("POST", "/order/check", CHECK)
            self.assertEqual((status, body.get("ok")), (200, True), body)
        self.assertEqual(fake._stats()["shutdown"], 1, "the channel stayed up after it")

    def test_each_call_of_the_check_path(self) -> None:
        for fn in ("symbol_info", "symbol_select", "symbol_info_tick", "order_check"):
            with self.subTest(fn=fn):
                fake.symbol_select("9984.T", False)
                shutdowns = fake._stats()["shutdown"]
                self.faults(ipc_lost_at={fn: 1})
                status, body = self.req("POST", "/order/check", HIDDEN)
                self.assertEqual((status, body.get("ok")), (200, True), body)
                self.assertEqual(self.control_file()["ipc_lost_at"], {}, f"{fn} is on the path")
                self.assertEqual(fake._stats()["shutdown"], shutdowns + 1)

    def test_a_channel_that_cannot_be_reestablished_is_temporary_then_recovers(self) -> None:
        self.faults(ipc_lost_at={"symbol_info": 1}, init_fail=3)
        status, body = self.req("POST", "/order/check", CHECK)
        self.assertEqual((status, body["error"]["code"]), (503, "MT5_UNAVAILABLE"), body)
        self.assertIn("re-initialisations failed", body["error"]["message"])
        self.faults()
        status, body = self.req("POST", "/order/check", CHECK)
        self.assertEqual((status, body.get("ok")), (200, True), body)


class IpcLostOnTheSendPathTest(BridgeCase):
    def test_each_call_before_the_send(self) -> None:
        for i, fn in enumerate(("symbol_info", "symbol_select", "symbol_info_tick")):
            with self.subTest(fn=fn):
                fake.symbol_select("9984.T", False)
                coid = f"ORD_20250101_10{i}"
                self.faults(ipc_lost_at={fn: 1})
                status, body = self.req("POST", "/order/send", {**HIDDEN, "client_order_id": coid})
                self.assertEqual((status, body.get("outcome")), (200, "filled"), body)
                self.assertEqual(self.control_file()["ipc_lost_at"], {}, f"{fn} is on the path")
                self.assertEqual((len(self.deals_of(coid)), self.sent().count(coid)), (1, 1))

    def test_lost_at_order_send_is_unknown_then_sent_once(self) -> None:
        self.faults(ipc_lost_at={"order_send": 1})
        status, body = self.send("ORD_20250101_110")
        self.assertEqual((status, body["error"]["code"], body["error"]["details"]["outcome"]),
                         (502, "MT5_NO_REPLY", "unknown"), body)
        status, body = self.send("ORD_20250101_110")
        self.assertEqual((status, body["outcome"]), (200, "filled"), body)
        self.assertEqual((len(self.deals_of("ORD_20250101_110")), self.sent()), (1, ["ORD_20250101_110"]))

    def test_each_lookup_of_an_unresolved_earlier_send(self) -> None:
        for i, fn in enumerate(("history_deals_get", "orders_get", "positions_get")):
            with self.subTest(fn=fn):
                coid = f"ORD_20250101_12{i}"
                IdempotencyStore(self.state_db).begin(coid, {"symbol": "7203.T"})
                self.faults(ipc_lost_at={fn: 1})
                status, body = self.send(coid)
                self.assertEqual((status, body.get("outcome")), (200, "filled"), body)
                self.assertEqual(self.control_file()["ipc_lost_at"], {}, f"{fn} is on the path")
                self.assertEqual((len(self.deals_of(coid)), self.sent().count(coid)), (1, 1))

    def test_lookup_after_an_ambiguous_retcode(self) -> None:
        self.faults(send_retcode={"code": 10012, "count": 1, "fill": True}, ipc_lost_at={"history_deals_get": 1})
        status, body = self.send("ORD_20250101_130")
        self.assertEqual((status, body["outcome"], body["recovered"]), (200, "filled", True), body)
        self.assertEqual(self.control_file()["ipc_lost_at"], {})
        self.assertEqual(self.sent(), ["ORD_20250101_130"])

    def test_a_lookup_that_cannot_run_leaves_the_outcome_unknown_never_a_refusal(self) -> None:
        # dealt, answered 10012, then the channel is lost during the look-up and cannot be re-established
        self.faults(send_retcode={"code": 10012, "count": 1, "fill": True}, ipc_lost_at={"history_deals_get": 1},
                    init_fail=3)
        status, body = self.send("ORD_20250101_131")
        self.assertEqual((status, body["error"]["code"], body["error"]["details"]["outcome"]),
                         (502, "MT5_NO_REPLY", "unknown"), body)
        # the terminal comes back: the next send of that id finds the deal
        status, body = self.send("ORD_20250101_131")
        self.assertEqual((status, body["outcome"], body["recovered"]), (200, "filled", True), body)
        self.assertEqual(self.sent(), ["ORD_20250101_131"])

    def test_an_unresolved_earlier_send_whose_lookup_cannot_run_stays_unknown_and_nothing_is_sent(self) -> None:
        IdempotencyStore(self.state_db).begin("ORD_20250101_132", {"symbol": "7203.T"})
        self.faults(ipc_lost_at={"history_deals_get": 1}, init_fail=3)
        status, body = self.send("ORD_20250101_132")
        self.assertEqual((status, body["error"]["code"], body["error"]["details"]["outcome"]),
                         (502, "MT5_NO_REPLY", "unknown"), body)
        self.assertEqual(self.sent(), [])
        self.faults()
        status, body = self.send("ORD_20250101_132")
        self.assertEqual((status, body["outcome"]), (200, "filled"), body)
        self.assertEqual(self.sent(), ["ORD_20250101_132"])


class IpcLostOnTheReadsTest(BridgeCase):
    def test_each_read_the_daemon_plans_and_reconciles_with(self) -> None:
        for path, fn in (("/positions?symbol=7203.T", "positions_get"), ("/deals?from=0", "history_deals_get"),
                         ("/orders", "orders_get"), ("/history/orders?from=0", "history_orders_get")):
            with self.subTest(path=path):
                self.faults(ipc_lost_at={fn: 1})
                status, body = self.req("GET", path)
                self.assertEqual((status, body), (200, []))
                self.assertEqual(self.control_file()["ipc_lost_at"], {}, f"{fn} answered {path}")
