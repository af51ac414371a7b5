import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { EventBridgeSendScheduler } from '#shared/adapters/scheduler-send-scheduler';

const config = {
  groupName: 'mailroom-schedules',
  roleArn: 'arn:aws:iam::123456789012:role/mailroom-scheduler',
  deadLetterArn: 'arn:aws:sqs:eu-west-1:123456789012:mailroom-scheduler-dlq',
  queueArns: { transactional: 'arn:aws:sqs:eu-west-1:123456789012:mailroom-transactional', bulk: 'arn:aws:sqs:eu-west-1:123456789012:mailroom-bulk' },
};
const message = { emailId: '6f1c2d3e-0000-4000-8000-000000000001', tenantId: 'acme', scheduleVersion: 2 };
const input = { emailId: message.emailId, lane: 'transactional' as const, at: new Date('2026-12-01T09:00:00.250Z'), message };

const expectedRequest = {
  Name: `email-${message.emailId}`,
  GroupName: 'mailroom-schedules',
  ScheduleExpression: 'at(2026-12-01T09:00:01)',
  ScheduleExpressionTimezone: 'UTC',
  FlexibleTimeWindow: { Mode: 'OFF' },
  Target: {
    Arn: config.queueArns.transactional,
    RoleArn: config.roleArn,
    Input: JSON.stringify(message),
    RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
    DeadLetterConfig: { Arn: config.deadLetterArn },
  },
  ActionAfterCompletion: 'DELETE',
  State: 'ENABLED',
  Description: `Mailroom email ${message.emailId} (schedule version 2)`,
  ClientToken: `${message.emailId}-v2`,
};

describe('EventBridgeSendScheduler (request shape, aws-sdk-client-mock)', () => {
  const mock = mockClient(SchedulerClient);
  let scheduler: EventBridgeSendScheduler;
  beforeEach(() => {
    mock.reset();
    scheduler = new EventBridgeSendScheduler(new SchedulerClient({ region: 'eu-west-1' }), config);
  });

  it('creates a one-time at() schedule in UTC targeting the lane queue with the lane message, retries, a DLQ, DELETE after completion and a ClientToken', async () => {
    mock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    await scheduler.schedule(input);
    expect(mock.commandCalls(CreateScheduleCommand).map((c) => c.args[0].input)).toEqual([expectedRequest]);
  });

  it('rounds the time up to the next whole second (Scheduler never fires early)', async () => {
    mock.on(CreateScheduleCommand).resolves({});
    await scheduler.schedule({ ...input, at: new Date('2026-12-01T09:00:00.000Z') });
    expect(mock.commandCalls(CreateScheduleCommand)[0]!.args[0].input.ScheduleExpression).toBe('at(2026-12-01T09:00:00)');
  });

  it('targets the queue of the email lane', async () => {
    mock.on(CreateScheduleCommand).resolves({});
    await scheduler.schedule({ ...input, lane: 'bulk' });
    expect(mock.commandCalls(CreateScheduleCommand)[0]!.args[0].input.Target?.Arn).toBe(config.queueArns.bulk);
    await expect(scheduler.schedule({ ...input, lane: 'critical' })).rejects.toThrow(/No queue ARN/);
  });

  it('makes an existing schedule match when creation conflicts (retry after the ClientToken expired)', async () => {
    mock.on(CreateScheduleCommand).rejects(new ConflictException({ message: 'exists', Message: 'exists', $metadata: {} }));
    mock.on(UpdateScheduleCommand).resolves({});
    await scheduler.schedule(input);
    expect(mock.commandCalls(UpdateScheduleCommand).map((c) => c.args[0].input)).toEqual([expectedRequest]);
  });

  it('reschedules with UpdateSchedule carrying the new time and schedule version', async () => {
    mock.on(UpdateScheduleCommand).resolves({});
    const moved = { ...input, at: new Date('2026-12-02T10:30:00Z'), message: { ...message, scheduleVersion: 3 } };
    await scheduler.reschedule(moved);
    const sent = mock.commandCalls(UpdateScheduleCommand)[0]!.args[0].input;
    expect(sent).toMatchObject({
      Name: expectedRequest.Name,
      GroupName: 'mailroom-schedules',
      ScheduleExpression: 'at(2026-12-02T10:30:00)',
      ActionAfterCompletion: 'DELETE',
      ClientToken: `${message.emailId}-v3`,
    });
    expect(JSON.parse(sent.Target!.Input!)).toEqual({ ...message, scheduleVersion: 3 });
    expect(mock.commandCalls(CreateScheduleCommand)).toHaveLength(0);
  });

  it('creates the schedule when rescheduling one that does not exist (it fired, or the email used an SQS delay)', async () => {
    mock.on(UpdateScheduleCommand).rejects(new ResourceNotFoundException({ message: 'gone', Message: 'gone', $metadata: {} }));
    mock.on(CreateScheduleCommand).resolves({});
    await scheduler.reschedule(input);
    expect(mock.commandCalls(CreateScheduleCommand).map((c) => c.args[0].input)).toEqual([expectedRequest]);
  });

  it('cancels with DeleteSchedule and ignores a schedule that is already gone', async () => {
    mock
      .on(DeleteScheduleCommand)
      .resolvesOnce({})
      .rejectsOnce(new ResourceNotFoundException({ message: 'gone', Message: 'gone', $metadata: {} }));
    await scheduler.cancel(message.emailId);
    await scheduler.cancel(message.emailId);
    expect(mock.commandCalls(DeleteScheduleCommand).map((c) => c.args[0].input)).toEqual([
      { Name: `email-${message.emailId}`, GroupName: 'mailroom-schedules' },
      { Name: `email-${message.emailId}`, GroupName: 'mailroom-schedules' },
    ]);
  });

  it('passes other errors on (the caller answers 503 and the client retries)', async () => {
    mock.on(DeleteScheduleCommand).rejects(new Error('ThrottlingException'));
    await expect(scheduler.cancel(message.emailId)).rejects.toThrow('ThrottlingException');
  });
});
