/** POSTs alerts over keep-alive connections and keeps each answer's exact bytes; a cut connection is no answer. */
import http from "node:http";

export interface Answer {
  status: number;
  /** The body exactly as received. */
  body: string;
}

export class AlertClient {
  private readonly agent: http.Agent;

  constructor(
    private readonly url: string,
    connections: number,
    private readonly timeoutMs = 30_000,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  }

  /** The answer, or null when the connection ended first (the daemon was killed) or nothing came in time. */
  post(body: string, requestId: string): Promise<Answer | null> {
    return new Promise((resolve) => {
      let settled = false;
      const done = (a: Answer | null): void => {
        if (settled) return;
        settled = true;
        resolve(a);
      };
      const req = http.request(
        `${this.url}/webhook`,
        {
          method: "POST",
          agent: this.agent,
          timeout: this.timeoutMs,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), "x-request-id": requestId },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => done(res.complete ? { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") } : null));
          res.on("error", () => done(null));
          res.on("close", () => done(null));
        },
      );
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", () => done(null));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
