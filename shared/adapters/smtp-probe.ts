import nodemailer from 'nodemailer';
import type { ProviderProbe } from '#shared/ports/operations';
import type { SmtpSettings } from './smtp-mail-provider';

/**
 * Is the SMTP fallback reachable? Connects, greets and authenticates (nodemailer `verify()`),
 * without sending. Short timeouts: health must answer quickly when the server is down.
 */
export class SmtpProbe implements ProviderProbe {
  readonly name = 'smtp';

  constructor(
    private readonly settings: () => Promise<SmtpSettings>,
    private readonly timeoutMs = 3_000,
  ) {}

  async probe(): Promise<{ reachable: boolean; error?: string }> {
    let transport: ReturnType<typeof nodemailer.createTransport> | undefined;
    try {
      const s = await this.settings();
      transport = nodemailer.createTransport({
        host: s.host,
        port: s.port,
        secure: s.secure ?? false,
        requireTLS: s.requireTLS ?? false,
        auth: s.username ? { user: s.username, pass: s.password ?? '' } : undefined,
        connectionTimeout: this.timeoutMs,
        greetingTimeout: this.timeoutMs,
        socketTimeout: this.timeoutMs,
      });
      await transport.verify();
      return { reachable: true };
    } catch (error) {
      return { reachable: false, error: String((error as Error)?.message ?? error).slice(0, 200) };
    } finally {
      transport?.close();
    }
  }
}
