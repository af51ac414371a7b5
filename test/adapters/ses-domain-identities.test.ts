import {
  AlreadyExistsException,
  CreateEmailIdentityCommand,
  DeleteEmailIdentityCommand,
  GetEmailIdentityCommand,
  NotFoundException,
  PutEmailIdentityMailFromAttributesCommand,
  SESv2Client,
} from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SesDomainIdentities } from '#shared/adapters/ses-domain-identities';

const ses = mockClient(SESv2Client);
const identities = new SesDomainIdentities(new SESv2Client({ region: 'eu-west-1' }), 'eu-west-1');

describe('SES v2 domain identities', () => {
  beforeEach(() => ses.reset());

  it('creates an Easy DKIM identity with a custom MAIL FROM and answers its records in Resend’s shape', async () => {
    ses.on(CreateEmailIdentityCommand).resolves({});
    ses.on(PutEmailIdentityMailFromAttributesCommand).resolves({});
    ses.on(GetEmailIdentityCommand).resolves({
      DkimAttributes: { Status: 'PENDING', Tokens: ['t1', 't2', 't3'] },
      MailFromAttributes: { MailFromDomain: 'bounce.acme.com', MailFromDomainStatus: 'PENDING', BehaviorOnMxFailure: 'USE_DEFAULT_VALUE' },
    });
    const state = await identities.create('acme.com', { customReturnPath: 'bounce', openTracking: false, clickTracking: false, tls: 'opportunistic' });
    expect(ses.commandCalls(CreateEmailIdentityCommand)[0]!.args[0].input).toEqual({ EmailIdentity: 'acme.com' });
    expect(ses.commandCalls(PutEmailIdentityMailFromAttributesCommand)[0]!.args[0].input).toEqual({
      EmailIdentity: 'acme.com',
      MailFromDomain: 'bounce.acme.com',
      BehaviorOnMxFailure: 'USE_DEFAULT_VALUE',
    });
    expect(state.status).toBe('pending');
    expect(state.records).toEqual([
      { record: 'SPF', name: 'bounce', type: 'MX', ttl: 'Auto', status: 'pending', value: 'feedback-smtp.eu-west-1.amazonses.com', priority: 10 },
      { record: 'SPF', name: 'bounce', type: 'TXT', ttl: 'Auto', status: 'pending', value: '"v=spf1 include:amazonses.com ~all"' },
      { record: 'DKIM', name: 't1._domainkey', type: 'CNAME', ttl: 'Auto', status: 'pending', value: 't1.dkim.amazonses.com' },
      { record: 'DKIM', name: 't2._domainkey', type: 'CNAME', ttl: 'Auto', status: 'pending', value: 't2.dkim.amazonses.com' },
      { record: 'DKIM', name: 't3._domainkey', type: 'CNAME', ttl: 'Auto', status: 'pending', value: 't3.dkim.amazonses.com' },
    ]);
  });

  it('adopts an identity that already exists in the account', async () => {
    ses.on(CreateEmailIdentityCommand).rejects(new AlreadyExistsException({ message: 'exists', $metadata: {} }));
    ses.on(PutEmailIdentityMailFromAttributesCommand).resolves({});
    ses.on(GetEmailIdentityCommand).resolves({
      DkimAttributes: { Status: 'SUCCESS', Tokens: ['a'] },
      MailFromAttributes: { MailFromDomain: 'send.acme.com', MailFromDomainStatus: 'SUCCESS', BehaviorOnMxFailure: 'USE_DEFAULT_VALUE' },
    });
    expect((await identities.create('acme.com', { customReturnPath: 'send', openTracking: false, clickTracking: false, tls: 'opportunistic' })).status).toBe(
      'verified',
    );
  });

  it('maps SES states: DKIM verified + MAIL FROM pending is partially_verified (sendable), DKIM failed is failed', async () => {
    ses
      .on(GetEmailIdentityCommand)
      .resolvesOnce({
        DkimAttributes: { Status: 'SUCCESS', Tokens: [] },
        MailFromAttributes: { MailFromDomain: 'send.acme.com', MailFromDomainStatus: 'PENDING', BehaviorOnMxFailure: 'USE_DEFAULT_VALUE' },
      })
      .resolvesOnce({ DkimAttributes: { Status: 'FAILED', Tokens: [] } });
    expect((await identities.check('acme.com')).status).toBe('partially_verified');
    expect((await identities.check('acme.com')).status).toBe('failed');
  });

  it('treats deleting a missing identity as done', async () => {
    ses.on(DeleteEmailIdentityCommand).rejects(new NotFoundException({ message: 'gone', $metadata: {} }));
    await expect(identities.delete('acme.com')).resolves.toBeUndefined();
  });
});
