import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Transporter } from 'nodemailer';
import { ProviderError } from '#shared/domain/errors';
import { CONNECT_ERRORS, type ErrorShape, networkCode } from '#shared/domain/failure-classification';
import type { MailProvider, OutgoingMail, SendReceipt } from '#shared/ports/index';
import { SECRET_MAX_AGE_SECONDS, secretValue } from './secrets';

export interface SmtpSettings {
  readonly host: string;
  readonly port: number;
  readonly secure?: boolean;
  readonly username?: string;
  readonly password?: string;
  /** Ask for STARTTLS and refuse to go on without it. */
  readonly requireTLS?: boolean;
}

/** Parses `smtp://user:pass@host:port` / `smtps://…` (local mode and tests). */
export function smtpSettingsFromUrl(url: string): SmtpSettings {
  const u = new URL(url);
  const secure = u.protocol === 'smtps:';
  return {
    host: u.hostname,
    port: Number(u.port || (secure ? 465 : 587)),
    secure,
    ...(u.username ? { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) } : {}),
    requireTLS: u.searchParams.get('requireTLS') === 'true',
  };
}

/**
 * SMTP's error table: reply codes 421/452 throttled (the server is busy or out of room for now),
 * other 4xx transient, 5xx permanent; nodemailer's EAUTH/EENVELOPE/EMESSAGE permanent; a connection
 * never made (refused, DNS) transient and definite; a session cut or timed out — nodemailer cannot
 * say at which stage, so the message may have gone out — ambiguous.
 */
export function classifySmtpError(error: unknown): ProviderError {
  const e = (error ?? {}) as ErrorShape;
  const message = e.message ?? String(error);
  const code = e.responseCode;
  if (code === 421 || code === 450 || code === 451 || code === 452) {
    return new ProviderError('smtp', code === 421 || code === 452 ? 'throttled' : 'transient', `SMTP${code}`, message, { cause: error });
  }
  if (code !== undefined && code >= 400 && code < 500) return new ProviderError('smtp', 'transient', `SMTP${code}`, message, { cause: error });
  if (code !== undefined && code >= 500) return new ProviderError('smtp', 'permanent', `SMTP${code}`, message, { cause: error });
  const net = networkCode(e);
  if (net && CONNECT_ERRORS.has(net)) return new ProviderError('smtp', 'transient', net, message, { cause: error });
  // nodemailer's ECONNECTION ("Connection closed unexpectedly") names no stage: the session may
  // have been cut after the final "." — the server may have the message. Ambiguous (the fallthrough).
  if (e.code === 'ECONNECTION') return new ProviderError('smtp', 'transient', 'ECONNECTION', message, { cause: error, ambiguous: true });
  if (e.code === 'EAUTH' || e.code === 'EENVELOPE' || e.code === 'EMESSAGE') {
    return new ProviderError('smtp', 'permanent', e.code, message, { cause: error });
  }
  return new ProviderError('smtp', 'transient', e.code ?? 'SMTPError', message, { cause: error, ambiguous: true });
}

/**
 * SMTP fallback through nodemailer's pooled transport. It sends the same MIME bytes as SES
 * (`raw`), with an explicit envelope so Bcc recipients get the message without a header.
 */
export class SmtpMailProvider implements MailProvider {
  readonly name = 'smtp';
  private transport?: { key: string; transport: Promise<Transporter> };

  constructor(private readonly settings: () => Promise<SmtpSettings>) {}

  /**
   * The pooled transport for the current settings. Settings are read on every send (from a secret
   * they come through Powertools Parameters, cached for SECRET_MAX_AGE_SECONDS), and a changed
   * secret — rotated credentials — replaces the pool without a cold start.
   */
  private async getTransport(): Promise<Transporter> {
    const s = await this.settings();
    const key = JSON.stringify(s);
    if (this.transport?.key !== key) {
      const previous = this.transport;
      // nodemailer's transport (SMTP, pooling, TLS) loads with the first fallback send, not at cold
      // start: the sender only builds MIME (MailComposer) on the SES path.
      const transport = import('nodemailer').then(({ default: nodemailer }) =>
        nodemailer.createTransport({
          pool: true,
          maxConnections: 3,
          host: s.host,
          port: s.port,
          secure: s.secure ?? false,
          requireTLS: s.requireTLS ?? false,
          auth: s.username ? { user: s.username, pass: s.password ?? '' } : undefined,
          connectionTimeout: 5_000,
          greetingTimeout: 5_000,
          socketTimeout: 15_000,
        }),
      );
      this.transport = { key, transport };
      // The old pool finishes what it is sending, then closes.
      void previous?.transport.then((t) => t.close()).catch(() => undefined);
    }
    return this.transport.transport;
  }

  async send(mail: OutgoingMail): Promise<SendReceipt> {
    try {
      const transport = await this.getTransport();
      const info = (await transport.sendMail({ envelope: { from: mail.from, to: mail.recipients }, raw: mail.raw })) as { messageId?: string };
      return { messageId: info.messageId ?? '', provider: this.name };
    } catch (error) {
      throw classifySmtpError(error);
    }
  }

  close(): void {
    void this.transport?.transport.then((t) => t.close()).catch(() => undefined);
    this.transport = undefined;
  }
}

/**
 * Reads `{host, port, secure, username, password}` from a Secrets Manager secret through Powertools
 * Parameters, cached for SECRET_MAX_AGE_SECONDS: rotated credentials are picked up without a cold start.
 */
export function smtpSettingsFromSecret(secretArn: string, client?: SecretsManagerClient, maxAgeSeconds = SECRET_MAX_AGE_SECONDS): () => Promise<SmtpSettings> {
  const read = secretValue(secretArn, { ...(client ? { client } : {}), maxAgeSeconds });
  return async () => {
    const parsed = JSON.parse(await read()) as Partial<SmtpSettings> & { port?: number | string };
    if (!parsed.host) throw new Error(`SMTP secret ${secretArn} has no host`);
    return { ...parsed, host: parsed.host, port: Number(parsed.port ?? 587) };
  };
}

/** The fallback provider from config, or undefined when no fallback is configured. */
export function createSmtpMailProvider(config: { url?: string; secretArn?: string }): SmtpMailProvider | undefined {
  if (config.url) {
    const settings = smtpSettingsFromUrl(config.url);
    return new SmtpMailProvider(async () => settings);
  }
  if (config.secretArn) return new SmtpMailProvider(smtpSettingsFromSecret(config.secretArn));
  return undefined;
}
