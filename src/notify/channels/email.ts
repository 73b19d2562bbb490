/**
 * E-mail through an SMTP server with nodemailer: the first line is the subject, the whole text the body. SMTP
 * replies classify the failure: 4xx is temporary, 535 (authentication) and a refused sender or recipient are about
 * the channel, 552 (too large) about the message; no reply at all (connection, timeout) is temporary.
 */
import nodemailer, { type Transporter } from "nodemailer";
import { DeliveryError } from "../delivery-error.js";
import type { OutgoingMessage, Transport } from "../transport.js";
import { shortText } from "./http-post.js";

export interface SmtpOptions {
  host: string;
  port?: number | undefined;
  secure?: boolean | undefined;
  user?: string | undefined;
  password?: string | undefined;
  from: string;
  to: string[];
  timeoutMs?: number | undefined;
}

export class EmailTransport implements Transport {
  readonly kind = "email";
  readonly maxLength = 100_000;
  private readonly mailer: Transporter;

  constructor(private readonly o: SmtpOptions) {
    const secure = o.secure ?? false;
    this.mailer = nodemailer.createTransport({
      host: o.host,
      port: o.port ?? (secure ? 465 : 587),
      secure,
      ...(o.user ? { auth: { user: o.user, pass: o.password ?? "" } } : {}),
      connectionTimeout: o.timeoutMs ?? 10_000,
      greetingTimeout: o.timeoutMs ?? 10_000,
      socketTimeout: o.timeoutMs ?? 15_000,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  }

  async send(m: OutgoingMessage, signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw new DeliveryError("temporary", "ABORTED", "stopped before sending");
    const subject = `[tradectl] ${m.text.split("\n", 1)[0]!.slice(0, 120)}`;
    try {
      await this.mailer.sendMail({ from: this.o.from, to: this.o.to, subject, text: m.text });
    } catch (err) {
      throw smtpFailure(err);
    }
  }

  async close(): Promise<void> {
    this.mailer.close();
  }
}

function smtpFailure(err: unknown): DeliveryError {
  const e = err as { responseCode?: unknown; code?: unknown; response?: unknown };
  const reply = typeof e.responseCode === "number" ? e.responseCode : null;
  const code = reply ? `SMTP_${reply}` : typeof e.code === "string" ? e.code : "SMTP_ERROR";
  const message = typeof e.response === "string" ? shortText(e.response) : `SMTP ${typeof e.code === "string" ? e.code : "error"}`;
  if (reply === null || (reply >= 400 && reply < 500)) return new DeliveryError("temporary", code, message);
  if (reply === 552 || reply === 554) return new DeliveryError("message", code, message);
  return new DeliveryError("channel", code, message);
}
