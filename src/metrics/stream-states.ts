/** Every StreamState, for the one-hot stream state gauge (kept beside the type by a compile-time check). */
import type { StreamState } from "../engine/feed.js";

const ALL: Record<StreamState, true> = { connecting: true, live: true, "market-closed": true, stale: true, backoff: true, failed: true, stopped: true };
export const STREAM_STATES = Object.keys(ALL) as StreamState[];
