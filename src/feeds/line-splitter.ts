/**
 * NDJSON framing for chunked HTTP bodies. Splits on "\n" at the byte level (0x0A never occurs
 * inside a multi-byte UTF-8 sequence), so a character cut across two chunks is decoded only once
 * its whole line has arrived. Holds back the partial last line, strips a trailing "\r", and caps
 * the line length: a runaway line is dropped (reported once through `onOversize`) rather than
 * buffered forever.
 */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

export interface LineSplitterOptions {
  maxLineBytes?: number;
  /** Called once per dropped line, when it crosses the cap (the line may still be arriving). */
  onOversize?: (info: { limit: number; bytesSeen: number }) => void;
}

const NL = 0x0a;
const CR = 0x0d;

export class LineSplitter {
  private readonly max: number;
  private readonly onOversize: LineSplitterOptions["onOversize"];
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** True while discarding the rest of an oversize line. */
  private skipping = false;

  constructor(opts: LineSplitterOptions = {}) {
    this.max = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.onOversize = opts.onOversize;
  }

  /** Bytes held for an incomplete line (bounded by the cap). */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  push(chunk: Uint8Array | string, onLine: (line: string) => void): void {
    const buf = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(NL, start);
      if (nl === -1) break;
      if (this.skipping) {
        this.skipping = false;
      } else if (this.pendingBytes === 0) {
        this.emit(buf, start, nl, onLine);
      } else {
        const piece = buf.subarray(start, nl);
        if (this.pendingBytes + piece.length > this.max) {
          this.overflow(this.pendingBytes + piece.length);
          this.skipping = false;
        } else {
          this.pending.push(piece);
          const whole = Buffer.concat(this.pending, this.pendingBytes + piece.length);
          this.emit(whole, 0, whole.length, onLine);
        }
        this.pending = [];
        this.pendingBytes = 0;
      }
      start = nl + 1;
    }
    if (start < buf.length && !this.skipping) {
      const rest = buf.length - start;
      if (this.pendingBytes + rest > this.max) {
        this.overflow(this.pendingBytes + rest);
      } else {
        // Copy: the caller may reuse its chunk buffer.
        this.pending.push(Buffer.from(buf.subarray(start)));
        this.pendingBytes += rest;
      }
    }
  }

  /** At end of stream: a last line without "\n" is still a line. */
  end(onLine: (line: string) => void): void {
    if (!this.skipping && this.pendingBytes > 0) {
      const whole = Buffer.concat(this.pending, this.pendingBytes);
      this.emit(whole, 0, whole.length, onLine);
    }
    this.reset();
  }

  reset(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.skipping = false;
  }

  private overflow(bytesSeen: number): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.skipping = true;
    this.onOversize?.({ limit: this.max, bytesSeen });
  }

  private emit(buf: Buffer, start: number, end: number, onLine: (line: string) => void): void {
    if (end > start && buf[end - 1] === CR) end--;
    if (end - start > this.max) {
      this.onOversize?.({ limit: this.max, bytesSeen: end - start });
      return;
    }
    if (end === start) return;
    const line = buf.toString("utf8", start, end);
    const c0 = line.charCodeAt(0);
    // Skip blank (whitespace-only) lines; only check when the line starts with whitespace.
    if ((c0 === 0x20 || c0 === 0x09 || c0 === 0x0d) && line.trim() === "") return;
    onLine(line);
  }
}
