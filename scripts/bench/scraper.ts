/**
 * A Prometheus stand-in for the benchmarks, in a process of its own (a scrape must not run inside the load
 * generator): GET the URL every INTERVAL ms until SIGTERM, then print how many scrapes succeeded.
 *   node scripts/bench/scraper.ts URL [INTERVAL_MS]
 */
const [url, every = "1000"] = process.argv.slice(2);
if (!url) throw new Error("usage: scraper.ts URL [INTERVAL_MS]");
let scrapes = 0;
let stopped = false;
process.on("SIGTERM", () => {
  stopped = true;
});
while (!stopped) {
  try {
    const res = await fetch(url);
    await res.text();
    if (res.ok) scrapes++;
  } catch {
    // the daemon is going away
  }
  await new Promise((r) => setTimeout(r, Number(every)));
}
process.stdout.write(`${JSON.stringify({ scrapes })}\n`);
