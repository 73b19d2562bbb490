/**
 * NDJSON framing for chunked HTTP bodies. Splits on "\n" at the byte level (0x0A never occurs
 * inside a multi-byte UTF-8 sequence), so a character cut across two chunks is decoded only once
 * its whole line has arrived. Holds back the partial last line, strips a trailing "\r", and caps
 * the line length: a runaway line is dropped (reported once through `onOversize`) rather than
 * buffered forever.
 *
 * Hot path: the complete lines of a chunk are decoded with one toString call and cut with
 * String#indexOf (a line is then a cheap slice of that text), instead of one decode per line.
 */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

export interface LineSplitterOptions {
  maxLineBytes?: number;
  /** Called once per dropped line, when it crosses the cap (the line may still be arriving). */
  onOversize?: (info: { limit: number; bytesSeen: number }) => void;
}

const NL = 0x0a;
const CR = 0x0d;

/** One line as text[start, end) — valid during the call; slice it to keep it. */
export type OnLineRange = (text: string, start: number, end: number) => void;

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
    this.pushRanges(chunk, (text, start, end) => onLine(start === 0 && end === text.length ? text : text.slice(start, end)));
  }

  /** Like push, but hands each line over as a range of a larger string: no string per line. */
  pushRanges(chunk: Uint8Array | string, onLine: OnLineRange): void {
    const buf = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    if (this.pendingBytes > 0 || this.skipping) {
      // First finish the line held from earlier chunks.
      const nl = buf.indexOf(NL);
      if (nl === -1) {
        this.hold(buf, 0);
        return;
      }
      if (this.skipping) {
        this.skipping = false;
      } else if (this.pendingBytes + nl > this.max) {
        this.overflow(this.pendingBytes + nl);
        this.skipping = false;
      } else {
        this.pending.push(buf.subarray(0, nl));
        const line = Buffer.concat(this.pending, this.pendingBytes + nl).toString("utf8");
        this.emit(line, 0, line.length, onLine);
      }
      this.pending = [];
      this.pendingBytes = 0;
      start = nl + 1;
    }
    const last = buf.lastIndexOf(NL);
    if (last >= start) {
      // Every byte up to the last "\n" belongs to complete lines: decode them at once.
      const text = buf.toString("utf8", start, last + 1);
      let from = 0;
      for (;;) {
        const nl = text.indexOf("\n", from);
        if (nl === -1) break;
        this.emit(text, from, nl, onLine);
        from = nl + 1;
      }
      start = last + 1;
    }
    if (start < buf.length) this.hold(buf, start);
  }

  /** At end of stream: a last line without "\n" is still a line. */
  end(onLine: (line: string) => void): void {
    this.endRanges((text, start, end) => onLine(text.slice(start, end)));
  }

  endRanges(onLine: OnLineRange): void {
    if (!this.skipping && this.pendingBytes > 0) {
      const line = Buffer.concat(this.pending, this.pendingBytes).toString("utf8");
      this.emit(line, 0, line.length, onLine);
    }
    this.reset();
  }

  reset(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.skipping = false;
  }

  /** Keeps the start of a line that has not ended yet (a copy: the caller may reuse its chunk). */
  private hold(buf: Buffer, from: number): void {
    if (this.skipping) return;
    const rest = buf.length - from;
    if (this.pendingBytes + rest > this.max) {
      this.overflow(this.pendingBytes + rest);
      return;
    }
    this.pending.push(Buffer.from(buf.subarray(from)));
    this.pendingBytes += rest;
  }

  private overflow(bytesSeen: number): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.skipping = true;
    this.onOversize?.({ limit: this.max, bytesSeen });
  }

  /** Emits text[start, end) as a line (without a trailing "\r"), unless blank or over the cap. */
  private emit(text: string, start: number, end: number, onLine: OnLineRange): void {
    if (end > start && text.charCodeAt(end - 1) === CR) end--;
    if (end === start) return;
    const chars = end - start;
    // A UTF-16 unit is 1–3 UTF-8 bytes: count bytes only when the characters alone cannot decide.
    if (chars > this.max || (chars * 3 > this.max && Buffer.byteLength(text.slice(start, end), "utf8") > this.max)) {
      this.onOversize?.({ limit: this.max, bytesSeen: chars > this.max ? chars : Buffer.byteLength(text.slice(start, end), "utf8") });
      return;
    }
    const c0 = text.charCodeAt(start);
    // Skip blank (whitespace-only) lines; only check when the line starts with whitespace.
    if ((c0 === 0x20 || c0 === 0x09 || c0 === CR) && text.slice(start, end).trim() === "") return;
    onLine(text, start, end);
  }
}
