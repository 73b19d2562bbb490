/** Body decoders: bytes in, FeedMessages out. NDJSON (OANDA v1/v20) and Server-Sent Events. */
import { createParser, type EventSourceParser } from "eventsource-parser";
import type { FeedKind } from "../config/types.js";
import type { FeedMessage } from "./formats/message.js";
import { parseOandaV1, V1TickScanner } from "./formats/oanda-v1.js";
import { parseOandaV20 } from "./formats/oanda-v20.js";
import { parseSseEvent } from "./formats/sse-events.js";
import { DEFAULT_MAX_LINE_BYTES, LineSplitter, type OnLineRange } from "./line-splitter.js";
import { TradectlError } from "../domain/errors.js";

/** Reads text[start, end) as a message when it has the shape it knows; null otherwise. */
export type LineScanner = (text: string, start: number, end: number) => FeedMessage | null;

export interface DecoderCallbacks {
  /** A message; a price message may be reused for the next line, so copy what must outlive the call. */
  message(msg: FeedMessage): void;
  /** A line or event that could not be used (bad JSON, unknown shape, oversize). */
  invalid(reason: string): void;
}

export interface BodyDecoder {
  push(chunk: Uint8Array): void;
  end(): void;
}

export class NdjsonDecoder implements BodyDecoder {
  private readonly splitter: LineSplitter;
  private readonly onLine: OnLineRange;

  /** `fast` reads the commonest line shape without JSON.parse, or returns null to leave it to `parse`. */
  constructor(parse: (value: unknown) => FeedMessage, cb: DecoderCallbacks, maxLineBytes = DEFAULT_MAX_LINE_BYTES, fast?: LineScanner) {
    this.splitter = new LineSplitter({
      maxLineBytes,
      onOversize: ({ limit }) => cb.invalid(`line longer than ${limit} bytes dropped`),
    });
    this.onLine = (text, start, end) => {
      if (fast) {
        const quick = fast(text, start, end);
        if (quick !== null) {
          cb.message(quick);
          return;
        }
      }
      let value: unknown;
      try {
        value = JSON.parse(start === 0 && end === text.length ? text : text.slice(start, end));
      } catch {
        cb.invalid("line is not JSON");
        return;
      }
      const msg = parse(value);
      if (msg.type === "unknown") cb.invalid(msg.reason);
      else cb.message(msg);
    };
  }

  push(chunk: Uint8Array): void {
    this.splitter.pushRanges(chunk, this.onLine);
  }

  end(): void {
    this.splitter.endRanges(this.onLine);
  }
}

export class SseDecoder implements BodyDecoder {
  private readonly text = new TextDecoder("utf-8");
  private readonly parser: EventSourceParser;

  constructor(cb: DecoderCallbacks, maxEventBytes = DEFAULT_MAX_LINE_BYTES) {
    this.parser = createParser({
      maxBufferSize: maxEventBytes,
      onEvent: (ev) => {
        const msg = parseSseEvent(ev);
        if (msg.type === "unknown") cb.invalid(msg.reason);
        else cb.message(msg);
      },
      onError: (err) => {
        if (err.type === "max-buffer-size-exceeded") {
          cb.invalid(`event longer than ${maxEventBytes} characters dropped`);
          this.parser.reset();
        }
      },
    });
  }

  push(chunk: Uint8Array): void {
    this.parser.feed(this.text.decode(chunk, { stream: true }));
  }

  end(): void {
    const rest = this.text.decode();
    if (rest) this.parser.feed(rest);
    this.parser.reset({ consume: true });
  }
}

export function createDecoder(kind: FeedKind, cb: DecoderCallbacks, maxLineBytes?: number): BodyDecoder {
  switch (kind) {
    case "oanda-v1": {
      const scanner = new V1TickScanner();
      return new NdjsonDecoder(parseOandaV1, cb, maxLineBytes, (text, start, end) => scanner.scan(text, start, end));
    }
    case "oanda-v20":
      return new NdjsonDecoder(parseOandaV20, cb, maxLineBytes);
    case "sse":
      return new SseDecoder(cb, maxLineBytes);
    default:
      throw new TradectlError("FEED_CONFIG", `no stream decoder for feed kind ${kind}`);
  }
}
