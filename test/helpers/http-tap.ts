/**
 * A recording HTTP proxy between one daemon and the MT5 bridge, as the network between them: every request is
 * forwarded unchanged and recorded (method, path, the client_order_id of its JSON body), so a test can tell which
 * daemon sent what, even where the bridge's own idempotency would hide a second send from the terminal.
 */
import { createServer, request, type IncomingMessage, type Server } from "node:http";

export interface TappedRequest {
  method: string;
  path: string;
  clientOrderId: string | null;
  at: number;
}

export interface HttpTap {
  url: string;
  requests: TappedRequest[];
  sends(): string[];
  close(): Promise<void>;
}

export async function startTap(target: string): Promise<HttpTap> {
  const to = new URL(target);
  const requests: TappedRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      let clientOrderId: string | null = null;
      try {
        const parsed = JSON.parse(body.toString() || "null") as { client_order_id?: unknown } | null;
        if (parsed && typeof parsed.client_order_id === "string") clientOrderId = parsed.client_order_id;
      } catch {
        // not JSON
      }
      requests.push({ method: req.method ?? "", path: req.url ?? "", clientOrderId, at: Date.now() });
      const out = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      out.on("error", () => res.destroy());
      res.on("close", () => out.destroy());
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    sends: () => requests.filter((r) => r.method === "POST" && r.path.startsWith("/order/send")).map((r) => r.clientOrderId ?? "?"),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
