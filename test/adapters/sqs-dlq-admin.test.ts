import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  DeleteMessageBatchCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
  SQSServiceException,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SqsDlqAdmin } from '#shared/adapters/sqs-dlq-admin';

const queueUrls = { critical: 'https://sqs.us-east-1.amazonaws.com/123/mailroom-critical' };
const dlqUrls = { critical: 'https://sqs.us-east-1.amazonaws.com/123/mailroom-critical-dlq' };
const arnOf = (url: string) => `arn:aws:sqs:us-east-1:123:${url.split('/').pop()}`;

describe('SQS DLQ admin (request shapes)', () => {
  const sqs = mockClient(SQSClient);
  beforeEach(() => {
    sqs.reset();
    sqs.on(GetQueueAttributesCommand).callsFake((input: { QueueUrl: string }) => ({ Attributes: { QueueArn: arnOf(input.QueueUrl) } }));
  });

  it('starts an SQS message move task from the lane DLQ back to the lane queue', async () => {
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-1' });
    const admin = new SqsDlqAdmin(new SQSClient({ region: 'us-east-1' }), queueUrls, dlqUrls, 'auto');
    expect(await admin.redrive('critical')).toEqual({ kind: 'move_task', taskHandle: 'task-1' });
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)[0]!.args[0].input).toEqual({
      SourceArn: 'arn:aws:sqs:us-east-1:123:mailroom-critical-dlq',
      DestinationArn: 'arn:aws:sqs:us-east-1:123:mailroom-critical',
    });
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(0);
  });

  it('falls back to a move loop when the endpoint does not know move tasks (auto)', async () => {
    sqs.on(StartMessageMoveTaskCommand).rejects(new SQSServiceException({ name: 'InvalidAction', $fault: 'client', $metadata: {}, message: 'Unknown action' }));
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [{ MessageId: 'm1', ReceiptHandle: 'r1', Body: '{"emailId":"e1"}' }] })
      .resolves({ Messages: [] });
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [{ Id: '0', MessageId: 'n1', MD5OfMessageBody: '' }], Failed: [] });
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [{ Id: '0' }], Failed: [] });
    const admin = new SqsDlqAdmin(new SQSClient({ region: 'us-east-1' }), queueUrls, dlqUrls, 'auto');
    expect(await admin.redrive('critical')).toEqual({ kind: 'moved', moved: 1 });
    expect(sqs.commandCalls(SendMessageBatchCommand)[0]!.args[0].input).toMatchObject({
      QueueUrl: queueUrls.critical,
      Entries: [{ Id: '0', MessageBody: '{"emailId":"e1"}' }],
    });
    expect(sqs.commandCalls(DeleteMessageBatchCommand)[0]!.args[0].input).toEqual({ QueueUrl: dlqUrls.critical, Entries: [{ Id: '0', ReceiptHandle: 'r1' }] });
  });

  it('does not fall back on other errors (e.g. missing permission)', async () => {
    sqs.on(StartMessageMoveTaskCommand).rejects(new SQSServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: {}, message: 'denied' }));
    const admin = new SqsDlqAdmin(new SQSClient({ region: 'us-east-1' }), queueUrls, dlqUrls, 'auto');
    await expect(admin.redrive('critical')).rejects.toThrow('denied');
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(0);
  });

  it('lists without consuming: received messages are made visible again at once', async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          {
            MessageId: 'm1',
            ReceiptHandle: 'r1',
            Body: '{"emailId":"e1","tenantId":"t1"}',
            Attributes: { SentTimestamp: '1700000000000' },
            MessageAttributes: { reason: { DataType: 'String', StringValue: 'ECONNREFUSED: refused' } },
          },
        ],
      })
      .resolves({ Messages: [] });
    const admin = new SqsDlqAdmin(new SQSClient({ region: 'us-east-1' }), queueUrls, dlqUrls);
    expect(await admin.list('critical', 10)).toEqual([
      { messageId: 'm1', emailId: 'e1', tenantId: 't1', reason: 'ECONNREFUSED: refused', enqueuedAt: new Date(1_700_000_000_000).toISOString() },
    ]);
    const reset = sqs
      .calls()
      .find((c) => (c.args[0] as { input: { Entries?: Array<{ VisibilityTimeout?: number }> } }).input.Entries?.[0]?.VisibilityTimeout === 0);
    expect(reset).toBeDefined();
  });

  describe("one tenant's share", () => {
    const message = (id: string, tenantId: string) => ({
      MessageId: id,
      ReceiptHandle: `r-${id}`,
      Body: JSON.stringify({ emailId: `e-${id}`, tenantId, scheduleVersion: 0 }),
      Attributes: { SentTimestamp: '1700000000000' },
    });
    const released = () =>
      sqs
        .commandCalls(ChangeMessageVisibilityBatchCommand)
        .flatMap((c) => c.args[0].input.Entries ?? [])
        .map((e) => e.ReceiptHandle);

    it("lists only the tenant's messages and hands every message it looked at back at once", async () => {
      sqs
        .on(ReceiveMessageCommand)
        .resolvesOnce({ Messages: [message('1', 'tenant-a'), message('2', 'tenant-b')] })
        .resolvesOnce({ Messages: [message('3', 'tenant-a')] })
        .resolves({ Messages: [] });
      const admin = new SqsDlqAdmin(new SQSClient({ region: 'us-east-1' }), queueUrls, dlqUrls);
      const listed = await admin.list('critical', 10, { tenantId: 'tenant-b' });
      expect(listed.map((e) => e.emailId)).toEqual(['e-2']);
      expect(released().sort()).toEqual(['r-1', 'r-2', 'r-3']);
    });

    it("redrives only the tenant's messages (no move task, which would move everyone's) and hands the others back", async () => {
      sqs
        .on(ReceiveMessageCommand)
        .resolvesOnce({ Messages: [message('1', 'tenant-a'), message('2', 'tenant-b'), message('3', 'tenant-b')] })
        .resolves({ Messages: [] });
      sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: Array<{ Id: string }> }) => ({
        Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: `n${e.Id}`, MD5OfMessageBody: '' })),
        Failed: [],
      }));
      sqs.on(DeleteMessageBatchCommand).resolves({ Failed: [] });
      const admin = new SqsDlqAdmin(new SQSClient({ region: 'us-east-1' }), queueUrls, dlqUrls, 'auto');
      expect(await admin.redrive('critical', { tenantId: 'tenant-b' })).toEqual({ kind: 'moved', moved: 2, complete: true });
      expect(sqs.commandCalls(StartMessageMoveTaskCommand)).toHaveLength(0);
      const sent = sqs.commandCalls(SendMessageBatchCommand).flatMap((c) => c.args[0].input.Entries ?? []);
      expect(sent.map((e) => JSON.parse(e.MessageBody!).tenantId)).toEqual(['tenant-b', 'tenant-b']);
      const deleted = sqs.commandCalls(DeleteMessageBatchCommand).flatMap((c) => c.args[0].input.Entries ?? []);
      expect(deleted.map((e) => e.ReceiptHandle)).toEqual(['r-2', 'r-3']);
      expect(released()).toEqual(['r-1']);
    });
  });
});
