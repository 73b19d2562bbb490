/**
 * Waits until nothing is in flight between this process's HTTP clients and one in-process server: every client
 * socket to it is connected and accepted, every byte written on either end has been read at the other, a
 * connection closed at one end is closed at the other, and the event loop has turned several times with nothing
 * changing. A test on a manual clock moves time only when the world is at rest, so what happens at each moment
 * does not depend on how fast the machine is.
 */
import diagnostics from "node:diagnostics_channel";
import type { Server } from "node:http";
import type { Socket } from "node:net";

interface Tracked {
  socket: Socket;
  /** The client's own port (its peer's remote port), once connected. */
  port: number | null;
}

const QUIET_TURNS = 5;

export class LoopbackSettle {
  private readonly clients = new Set<Tracked>();
  /** Server-side sockets by their remote port (the client's local port). */
  private readonly servers = new Map<number, Socket>();
  private readonly onClient = (message: unknown): void => {
    const socket = (message as { socket?: Socket }).socket;
    if (socket) this.clients.add({ socket, port: null });
  };
  private readonly onConnection = (socket: Socket): void => {
    if (socket.remotePort !== undefined) this.servers.set(socket.remotePort, socket);
  };

  constructor(
    private readonly server: Server,
    private readonly serverPort: number,
    /** Whatever else must stop changing (timers pending, feed states, counts). */
    private readonly fingerprint: () => string,
  ) {
    diagnostics.subscribe("net.client.socket", this.onClient);
    server.on("connection", this.onConnection);
  }

  close(): void {
    diagnostics.unsubscribe("net.client.socket", this.onClient);
    this.server.off("connection", this.onConnection);
  }

  /** Why the loopback is not at rest, or null. */
  busy(): string | null {
    for (const c of [...this.clients]) {
      const s = c.socket;
      if (c.port === null) {
        if (s.destroyed) {
          this.clients.delete(c);
          continue;
        }
        if (s.remotePort === undefined || s.localPort === undefined) return "a client is connecting";
        if (s.remotePort !== this.serverPort) {
          this.clients.delete(c); // not a connection to the server under test
          continue;
        }
        c.port = s.localPort;
      }
      const peer = this.servers.get(c.port);
      if (!peer) {
        if (s.destroyed) {
          this.clients.delete(c);
          continue;
        }
        return `the server has not accepted client port ${c.port}`;
      }
      if (s.bytesWritten !== peer.bytesRead) return `request bytes in flight on port ${c.port}`;
      if (peer.bytesWritten !== s.bytesRead) return `response bytes in flight on port ${c.port}`;
      if (s.destroyed !== peer.destroyed) return `connection on port ${c.port} closed at one end only`;
      if (s.destroyed) {
        this.clients.delete(c);
        this.servers.delete(c.port);
      }
    }
    return null;
  }

  /** Resolves once the loopback is at rest and the fingerprint stays the same for several event-loop turns. */
  async settle(maxTurns = 50_000): Promise<void> {
    let last = "";
    let quiet = 0;
    for (let turn = 0; turn < maxTurns; turn++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      const busy = this.busy();
      const now = busy === null ? this.fingerprint() : `busy: ${busy}`;
      if (busy === null && now === last) {
        if (++quiet >= QUIET_TURNS) return;
      } else {
        quiet = 0;
        last = now;
      }
    }
    throw new Error(`the loopback did not settle: ${this.busy() ?? "its state kept changing"}`);
  }
}
