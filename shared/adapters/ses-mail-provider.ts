import { GetAccountCommand, SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { classifySesError } from '#shared/domain/failure-classification';
import type { MailProvider, OutgoingMail } from '#shared/ports/index';
import { createSesClient } from './aws-clients';

/** SES v2 SendEmail with the MIME bytes as Content.Raw, the configuration set and tags for tracking. */
export class SesMailProvider implements MailProvider {
  readonly name = 'ses';

  constructor(
    private readonly ses: SESv2Client,
    private readonly configurationSet?: string,
  ) {}

  async send(mail: OutgoingMail): Promise<{ messageId: string }> {
    try {
      const out = await this.ses.send(
        new SendEmailCommand({
          FromEmailAddress: mail.from,
          Destination: { ToAddresses: mail.recipients },
          Content: { Raw: { Data: mail.raw } },
          ConfigurationSetName: this.configurationSet,
          TenantName: mail.sesTenantName,
          EmailTags: [
            { Name: 'mailroom_email_id', Value: mail.emailId },
            { Name: 'mailroom_tenant', Value: sanitizeTag(mail.tenantId) },
            { Name: 'mailroom_lane', Value: mail.lane },
          ],
        }),
      );
      return { messageId: out.MessageId ?? '' };
    } catch (error) {
      throw classifySesError(error);
    }
  }

  /** The account's MaxSendRate (recipients per second). */
  async maxSendRate(): Promise<number | undefined> {
    const out = await this.ses.send(new GetAccountCommand({}));
    return out.SendQuota?.MaxSendRate;
  }
}

/** SES tag values allow only ASCII letters, digits, `_`, `-`, `.`, `@`. */
function sanitizeTag(value: string): string {
  return value.replace(/[^A-Za-z0-9_.@-]/g, '_').slice(0, 256);
}

export function createSesMailProvider(config: { configurationSet?: string; timeoutMs?: number }): SesMailProvider {
  return new SesMailProvider(createSesClient(config.timeoutMs), config.configurationSet);
}
