/** Invitation mail through nodemailer, to the SMTP server of `relay.smtp` (its password from RELAY_SMTP_PASSWORD). */
import nodemailer from "nodemailer";

export interface SmtpConfig {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  from: string;
  user: string;
}

export interface InvitationMail {
  to: string;
  channelName: string;
  url: string;
  note: string | null;
  expiresAt: number;
}

export async function sendInvitationMail(smtp: SmtpConfig, password: string | undefined, m: InvitationMail): Promise<void> {
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.user ? { auth: { user: smtp.user, pass: password ?? "" } } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  try {
    await transport.sendMail({
      from: smtp.from,
      to: m.to,
      subject: `Confirm receiving the signals of "${m.channelName}"`,
      text: [
        `You are invited to receive the trading signals published on the channel "${m.channelName}".`,
        ...(m.note ? ["", `Note from the sender: ${m.note}`] : []),
        "",
        "Nothing is delivered until you accept. To accept with your own tradectl daemon:",
        "",
        `  tradectl relay accept ${m.url} [--sizing 0.5]`,
        "",
        "or open the link in a browser to register another receiver (a bot, a bridge):",
        "",
        `  ${m.url}`,
        "",
        `The invitation works once and expires at ${new Date(m.expiresAt).toISOString()}.`,
      ].join("\n"),
    });
  } finally {
    transport.close();
  }
}
