import { test } from "node:test";
import assert from "node:assert/strict";
import { streamNotes } from "../../src/cli/stream-notes.js";

test("stream notes: an unfilled gap and a repeating disconnect are spelled out, a healthy stream says nothing", () => {
  assert.deepEqual(streamNotes({ name: "fx", last_error: null, next_attempt_at: null, repeated_disconnect: null, gap_fill: null, margin_call: null }), []);
  const notes = streamNotes({
    name: "events",
    last_error: "disconnect 60: connection limit exceeded, 4 times in a row: another client is using this token's stream (one rates stream per token); backing off further each time",
    next_attempt_at: "2025-06-02T00:10:00.000Z",
    repeated_disconnect: { code: 60, count: 4, since: "2025-06-02T00:00:00.000Z" },
    gap_fill: { state: "failing", after_id: "1008", through_id: "1013", held: 2, pages: 0, next_attempt_at: "2025-06-02T00:01:00.000Z", last_error: "sinceid failed: HTTP 503" },
  });
  assert.deepEqual(notes, [
    {
      level: "alert",
      text: "events: transactions after 1008 (through 1013) could not be fetched: sinceid failed: HTTP 503; positions are not updated past them, 2 later transactions wait; next try 2025-06-02T00:01:00.000Z",
    },
    {
      level: "warn",
      text: "events: ended by the server 4 times in a row since 2025-06-02T00:00:00.000Z (disconnect 60: connection limit exceeded, 4 times in a row: another client is using this token's stream (one rates stream per token); backing off further each time); next attempt 2025-06-02T00:10:00.000Z",
    },
  ]);
});
