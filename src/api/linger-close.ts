/**
 * Closing a connection while the client is still sending (a body over the limit, a request the parser refused)
 * makes the kernel answer its next bytes with a reset, and a client that writes its whole request before it reads
 * (most do) then sees EPIPE or ECONNRESET instead of the answer. So after such an answer the connection is
 * half-closed and the client's bytes are read and dropped until it has sent what it meant to send (it closes its
 * side), up to a bound in bytes and in time; only then is the socket closed.
 */
import type { Socket } from "node:net";

/** Bytes read and dropped after the answer: a client may finish a body a few times the 1 MB limit. */
export const LINGER_MAX_BYTES = 4 * 1024 * 1024;
/** How long a client gets to finish sending. */
export const LINGER_MAX_MS = 5_000;

const lingering = new WeakSet<Socket>();

/** Whether `socket` is already being drained before its close (its answer has been sent). */
export function isLingering(socket: Socket): boolean {
  return lingering.has(socket);
}

/**
 * Half-closes `socket` (after whatever is queued on it) and drops what the client still sends until it closes its
 * side or a bound is passed. Not when the request ends: a client may have sent more behind it.
 */
export function drainThenClose(socket: Socket): void {
  if (lingering.has(socket) || socket.destroyed) return;
  lingering.add(socket);
  // node's HTTP parser reads an HTTP socket natively (no 'data' events): count what the socket has read instead
  const readBefore = socket.bytesRead;
  const close = () => {
    clearTimeout(timer);
    clearInterval(watch);
    socket.destroy();
  };
  const timer = setTimeout(close, LINGER_MAX_MS);
  const watch = setInterval(() => socket.bytesRead - readBefore > LINGER_MAX_BYTES && close(), 20);
  timer.unref();
  watch.unref();
  socket.once("end", close);
  socket.once("close", () => {
    clearTimeout(timer);
    clearInterval(watch);
  });
  if (socket.writable) socket.end();
  // A request pipelined behind the answer whose own answer can no longer be written never has its body read, and its
  // backpressure pauses the socket: keep reading (the bounds above still hold).
  socket.on("pause", () => setImmediate(() => socket.destroyed || socket.resume()));
  socket.resume();
}

/**
 * For every connection of a server: when node closes it after an answer (`Connection: close`, HTTP/1.0, a 413 or
 * 417 sent before the body was read) it calls `destroySoon`, which closes the socket as soon as the answer is
 * written and resets a client still sending. These sockets drain first instead; node's parser goes on reading
 * (and dropping) the rest of the request.
 */
export function lingerOnClose(socket: Socket): void {
  socket.destroySoon = () => drainThenClose(socket);
}
