/** Body decoders: bytes in, FeedMessages out. NDJSON (OANDA v1/v20) and Server-Sent Events. */
import { createParser, type EventSourceParser } from "eventsource-parser";
import type { FeedKind } from "../config/types.js";
import type { FeedMessage } from "./formats/message.js";
import { parseOandaV1 } from "./formats/oanda-v1.js";
import { parseOandaV20 } from "./formats/oanda-v20.js";
import { parseSseEvent } from "./formats/sse-events.js";
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from "./line-splitter.js";

export interface DecoderCallbacks {
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
  private readonly onLine: (line: string) => void;

  constructor(parse: (value: unknown) => FeedMessage, cb: DecoderCallbacks, maxLineBytes = DEFAULT_MAX_LINE_BYTES) {
    this.splitter = new LineSplitter({
      maxLineBytes,
      onOversize: ({ limit }) => cb.invalid(`line longer than ${limit} bytes dropped`),
    });
    this.onLine = (line) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
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
    this.splitter.push(chunk, this.onLine);
  }

  end(): void {
    this.splitter.end(this.onLine);
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
    case "oanda-v1":
      return new NdjsonDecoder(parseOandaV1, cb, maxLineBytes);
    case "oanda-v20":
      return new NdjsonDecoder(parseOandaV20, cb, maxLineBytes);
    case "sse":
      return new SseDecoder(cb, maxLineBytes);
    default:
      throw new Error(`no stream decoder for feed kind ${kind}`);
  }
}
