import {
  AlreadyExistsException,
  CreateEmailIdentityCommand,
  DeleteEmailIdentityCommand,
  GetEmailIdentityCommand,
  NotFoundException,
  PutEmailIdentityMailFromAttributesCommand,
  type SESv2Client,
} from '@aws-sdk/client-sesv2';
import { domainStatusOf, identityRecords, recordStatusOf } from '#shared/domain/sending-domain';
import type { DomainIdentities, IdentityOptions, IdentityState } from '#shared/ports/domains';

/**
 * Sending domains as SES v2 email identities: Easy DKIM (SES makes the keys and checks the three
 * CNAMEs) and a custom MAIL FROM subdomain (MX + SPF), falling back to SES's own MAIL FROM while its
 * records are missing. IAM: ses:CreateEmailIdentity, GetEmailIdentity, DeleteEmailIdentity and
 * PutEmailIdentityMailFromAttributes on `identity/*` — nothing else.
 */
export class SesDomainIdentities implements DomainIdentities {
  constructor(
    private readonly ses: SESv2Client,
    private readonly region: string,
  ) {}

  async create(name: string, options: IdentityOptions): Promise<IdentityState> {
    try {
      await this.ses.send(new CreateEmailIdentityCommand({ EmailIdentity: name }));
    } catch (error) {
      // Already an identity of this account (set up by hand, or a retry): adopt it.
      if (!(error instanceof AlreadyExistsException)) throw error;
    }
    await this.ses.send(
      new PutEmailIdentityMailFromAttributesCommand({
        EmailIdentity: name,
        MailFromDomain: `${options.customReturnPath}.${name}`,
        BehaviorOnMxFailure: 'USE_DEFAULT_VALUE',
      }),
    );
    return this.check(name);
  }

  async check(name: string): Promise<IdentityState> {
    const out = await this.ses.send(new GetEmailIdentityCommand({ EmailIdentity: name }));
    const dkim = recordStatusOf(out.DkimAttributes?.Status);
    const mailFrom = recordStatusOf(out.MailFromAttributes?.MailFromDomainStatus);
    const label = out.MailFromAttributes?.MailFromDomain?.replace(new RegExp(`\\.${name.replace(/\./g, '\\.')}$`), '') ?? 'send';
    return {
      status: domainStatusOf(dkim, mailFrom),
      records: identityRecords({ region: this.region, mailFromLabel: label, dkimTokens: out.DkimAttributes?.Tokens ?? [], dkim, mailFrom }),
    };
  }

  /**
   * Tracking and TLS are properties of the configuration set a send names, and the senders name
   * their lane's set; per-domain sets are not applied yet, so the options are only stored
   * (docs/api.md, Domains).
   */
  async configure(_name: string, _options: IdentityOptions): Promise<void> {}

  async delete(name: string): Promise<void> {
    try {
      await this.ses.send(new DeleteEmailIdentityCommand({ EmailIdentity: name }));
    } catch (error) {
      if (!(error instanceof NotFoundException)) throw error;
    }
  }
}
