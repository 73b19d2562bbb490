/**
 * Bounds of the numbers the API's query strings and bodies take, shared by the route schemas and the CLI (which
 * checks its options against them before it sends anything).
 */

/** Orders in one page of GET /orders. */
export const MAX_ORDERS_LIMIT = 500;
/** More orders than a journal will ever hold; keeps OFFSET an integer SQLite takes. */
export const MAX_ORDERS_OFFSET = 1_000_000_000;
/** Events one GET /audit or GET /events call reads from the journal. */
export const MAX_EVENT_HISTORY = 1000;
/** The longest lifetime an API key can be given: a hundred years (its expiry must stay a date). */
export const MAX_KEY_DAYS = 36_500;
/** Bars in one GET /rates call (the CLI fetches more in chunks). */
export const MAX_RATES_COUNT = 5000;
/** How far back GET /rates reaches, in bars. */
export const MAX_RATES_START = 10_000_000;
