/**
 * The network between two daemons, under the test's control: a node:http proxy that forwards each request to a
 * target and records it. `withhold` forwards and lets the target answer, but never passes the answer back (a reply
 * lost on the way: the sender cannot know the receiver acted); `hold` keeps requests waiting until `release()`;
 * `refuse` cuts each connection as it arrives (a receiver that is down).
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface Recorded {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export type ProxyMode = "pass" | "withhold" | "hold" | "refuse";

export interface TestProxy {
  url: string;
  target: string;
  mode: ProxyMode;
  requests: Recorded[];
  /** Answers the target gave that were forwarded to it (withheld ones included). */
  answered: number;
  /** Requests in flight now, and the most seen at once. */
  inFlight: number;
  maxInFlight: number;
  release(): void;
  close(): Promise<void>;
}

export async function startProxy(target = ""): Promise<TestProxy> {
  const held: Array<() => void> = [];
  const sockets = new Set<Socket>();
  const p: TestProxy = {
    url: "",
    target,
    mode: "pass",
    requests: [],
    answered: 0,
    inFlight: 0,
    maxInFlight: 0,
    release: () => {
      for (const go of held.splice(0)) go();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const forward = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const url = new URL(req.url ?? "/", p.target);
    const { host: _host, connection: _c, ...headers } = req.headers;
    const out = request(url, { method: req.method, headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on("data", (c: Buffer) => chunks.push(c));
      answer.on("end", () => {
        p.answered++;
        p.inFlight--;
        if (p.mode === "withhold") return; // the reply is lost on the way back
        res.writeHead(answer.statusCode ?? 502, { "content-type": answer.headers["content-type"] ?? "application/json" });
        res.end(Buffer.concat(chunks));
      });
    });
    out.on("error", () => {
      p.inFlight--;
      res.destroy();
    });
    out.end(body);
  };
  const server = createServer((req, res) => {
    if (p.mode === "refuse") return void req.socket.destroy();
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      p.requests.push({ path: req.url ?? "/", headers: req.headers, body });
      p.inFlight++;
      p.maxInFlight = Math.max(p.maxInFlight, p.inFlight);
      if (p.mode === "hold") held.push(() => forward(req, res, body));
      else forward(req, res, body);
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  p.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return p;
}
