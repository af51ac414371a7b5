import { GetAccountCommand, SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { type FailureClass, ProviderError } from '#shared/domain/errors';
import { CONNECT_ERRORS, type ErrorShape, networkCode } from '#shared/domain/failure-classification';
import type { MailProvider, OutgoingMail, SendReceipt } from '#shared/ports/index';
import { createSesClient } from './aws-clients';

/** SES v2 SendEmail with the MIME bytes as Content.Raw, the configuration set and tags for tracking. */
export class SesMailProvider implements MailProvider {
  readonly name = 'ses';

  constructor(
    private readonly ses: SESv2Client,
    private readonly configurationSet?: string,
  ) {}

  async send(mail: OutgoingMail): Promise<SendReceipt> {
    try {
      const out = await this.ses.send(
        new SendEmailCommand({
          FromEmailAddress: mail.from,
          Destination: { ToAddresses: mail.recipients },
          Content: { Raw: { Data: mail.raw } },
          ConfigurationSetName: mail.configurationSet ?? this.configurationSet,
          TenantName: mail.sesTenantName,
          EmailTags: [
            { Name: 'mailroom_email_id', Value: mail.emailId },
            { Name: 'mailroom_tenant', Value: sanitizeTag(mail.tenantId) },
            { Name: 'mailroom_lane', Value: mail.lane },
          ],
        }),
      );
      return { messageId: out.MessageId ?? '', provider: this.name };
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

/**
 * SES v2's errors by name: how each is handled (see failure-classification.ts for the classes).
 * Names not listed fall back to the HTTP status, then to the network error.
 */
export const SES_ERROR_CLASSES: Readonly<Record<string, FailureClass>> = {
  TooManyRequestsException: 'throttled',
  ThrottlingException: 'throttled',
  Throttling: 'throttled',
  LimitExceededException: 'throttled',
  SendingPausedException: 'paused',
  AccountSendingPausedException: 'paused',
  ConfigurationSetSendingPausedException: 'paused',
  MessageRejected: 'permanent',
  MailFromDomainNotVerifiedException: 'permanent',
  BadRequestException: 'permanent',
  NotFoundException: 'permanent',
  AccountSuspendedException: 'permanent',
  InvalidParameterValue: 'permanent',
  InternalFailure: 'transient',
  ServiceUnavailable: 'transient',
};

/**
 * 5xx answers after which SES may have taken the message: an internal error or a gateway timeout
 * can come after the request was read. 503 (ServiceUnavailable) is SES refusing the request.
 */
const AMBIGUOUS_STATUSES: ReadonlySet<number> = new Set([500, 502, 504]);

/** Classifies an error from the SES v2 SDK. */
export function classifySesError(error: unknown): ProviderError {
  const e = (error ?? {}) as ErrorShape;
  const name = e.name ?? 'Error';
  const message = e.message ?? String(error);
  const status = e.$metadata?.httpStatusCode;
  const known = SES_ERROR_CLASSES[name];
  if (known)
    return new ProviderError('ses', known, name, message, {
      cause: error,
      ambiguous: known === 'transient' && AMBIGUOUS_STATUSES.has(status ?? 500) && name !== 'ServiceUnavailable',
    });
  if (status === 429) return new ProviderError('ses', 'throttled', name, message, { cause: error });
  if (status !== undefined && status >= 500)
    return new ProviderError('ses', 'transient', name, message, { cause: error, ambiguous: AMBIGUOUS_STATUSES.has(status) });
  if (status !== undefined && status >= 400) return new ProviderError('ses', 'permanent', name, message, { cause: error });
  const code = networkCode(e);
  if (code && CONNECT_ERRORS.has(code)) return new ProviderError('ses', 'transient', code, message, { cause: error });
  // A connection that was never established is not ambiguous; a request that timed out is.
  if (name === 'TimeoutError' && /without establishing a connection/i.test(message)) {
    return new ProviderError('ses', 'transient', 'ConnectTimeout', message, { cause: error });
  }
  return new ProviderError('ses', 'transient', code ?? name, message, { cause: error, ambiguous: true });
}

/** SES tag values allow only ASCII letters, digits, `_`, `-`, `.`, `@`. */
function sanitizeTag(value: string): string {
  return value.replace(/[^A-Za-z0-9_.@-]/g, '_').slice(0, 256);
}

export function createSesMailProvider(config: { configurationSet?: string; timeoutMs?: number }): SesMailProvider {
  return new SesMailProvider(createSesClient(config.timeoutMs), config.configurationSet);
}
