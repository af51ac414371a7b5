import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { makeSenderHandler } from '#functions/sender/app';
import { MemoryLaneQueue, MemoryMailProvider, MemoryTenantStore } from '#shared/adapters/memory/memory-adapters';
import { MemoryEmailStore } from '#shared/adapters/memory/memory-email-store';
import { S3AttachmentStore } from '#shared/adapters/s3-attachment-store';
import { SesMailProvider } from '#shared/adapters/ses-mail-provider';
import { LANES } from '#shared/config/lanes';
import { ATTACHMENT_RETENTION } from '#shared/config/retention';
import { DEFAULT_LIMITS } from '#shared/domain/tenant';
import { emailRecord } from '#test/support/emails';

const ses = mockClient(SESv2Client);
const s3 = mockClient(S3Client);
afterEach(() => {
  ses.reset();
  s3.reset();
});

const mail = { emailId: 'e1', tenantId: 'acme', lane: 'transactional' as const, from: 'a@example.com', recipients: ['b@example.org'], raw: Buffer.from('x') };

describe('tenant settings reach AWS', () => {
  it("passes the tenant's SES tenant name as TenantName, and none when the tenant has none", async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    const provider = new SesMailProvider(new SESv2Client({ region: 'us-east-1' }), 'mailroom');
    await provider.send({ ...mail, sesTenantName: 'acme-prod' });
    await provider.send(mail);
    const calls = ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input);
    expect(calls[0]).toMatchObject({ TenantName: 'acme-prod', ConfigurationSetName: 'mailroom' });
    expect(calls[1]!.TenantName).toBeUndefined();
  });

  it("the sender hands the tenant's sesTenantName to the provider", async () => {
    const now = new Date('2030-01-01T12:00:00Z');
    const emails = new MemoryEmailStore();
    const tenants = new MemoryTenantStore();
    await tenants.put({
      id: 'acme',
      allowedSenders: [],
      sesTenantName: 'acme-prod',
      retentionDays: 30,
      limits: DEFAULT_LIMITS,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    });
    const record = emailRecord({
      id: 'e1',
      lane: 'critical',
      from: 'a@example.com',
      to: ['b@example.org'],
      subject: 's',
      text: 't',
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      expiresAt: 2_000_000_000,
    });
    await emails.create(record);
    const primary = new MemoryMailProvider('ses');
    const handler = makeSenderHandler({
      emails,
      tenants,
      queue: new MemoryLaneQueue(),
      clock: { now: () => now },
      lane: LANES.critical,
      provider: primary,
      leaseSeconds: 60,
      random: () => 0,
    });
    const body = JSON.stringify({ emailId: 'e1', tenantId: 'acme', scheduleVersion: 0 });
    await handler({
      Records: [{ messageId: 'm1', receiptHandle: 'rh', body, attributes: { ApproximateReceiveCount: '1' }, messageAttributes: {} }],
    } as unknown as SQSEvent);
    expect(primary.sent.map((m) => m.sesTenantName)).toEqual(['acme-prod']);
  });

  it('tags each attachment with the retention class of its email so the bucket lifecycle expires it with the email', async () => {
    s3.on(PutObjectCommand).resolves({});
    const store = new S3AttachmentStore(new S3Client({ region: 'us-east-1' }), 'bucket');
    await store.put('acme/e1/0-a.pdf', Buffer.from('%PDF'), 'application/pdf', new Date(Date.now() + 7 * 86_400_000));
    await store.put('acme/e2/0-a.pdf', Buffer.from('%PDF'), 'application/pdf', new Date(Date.now() + 45 * 86_400_000));
    const tags = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Tagging);
    expect(tags).toEqual([`${ATTACHMENT_RETENTION.tagKey}=7`, `${ATTACHMENT_RETENTION.tagKey}=60`]);
  });
});
