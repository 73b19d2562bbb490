/** A winston transport onto a DailyFile: the record, laid out by the transport's format, as one line. */
import Transport from "winston-transport";
import { DailyFile, type DailyFileOptions } from "./daily-file.js";

const MESSAGE = Symbol.for("message");

export class DailyFileTransport extends Transport {
  private readonly file: DailyFile;

  constructor(dir: string, opts: DailyFileOptions & Transport.TransportStreamOptions) {
    super(opts);
    this.file = new DailyFile(dir, opts);
  }

  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    this.file.writeLine(String(info[MESSAGE]));
    next();
  }

  /** Writes what is queued and closes the file. */
  async closeFile(): Promise<void> {
    await this.file.close();
  }
}
