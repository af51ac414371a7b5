import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
  UpdateScheduleCommand,
  type CreateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ENV } from '#shared/config/env';
import type { Lane } from '#shared/config/lanes';
import type { LaneMessage } from '#shared/domain/email';
import type { SendScheduler } from '#shared/ports/index';
import { createSchedulerClient } from './aws-clients';
import { DynamoLocalScheduler } from './dynamodb-local-scheduler';

export interface SchedulerConfig {
  readonly groupName: string;
  /** Role EventBridge Scheduler assumes to put the message on the lane queue (sqs:SendMessage only). */
  readonly roleArn: string;
  /** Where Scheduler puts a message it could not deliver after its retries. */
  readonly deadLetterArn: string;
  readonly queueArns: Partial<Record<Lane, string>>;
}

/** Retries of a schedule whose SendMessage fails, within a day; then the scheduler DLQ. */
export const SCHEDULE_RETRY_POLICY = { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 } as const;

/** One schedule per email; names allow [0-9a-zA-Z-_.], 1..64 characters. */
export const scheduleName = (emailId: string) => `email-${emailId}`.slice(0, 64);

/** `at(yyyy-mm-ddThh:mm:ss)` in UTC; Scheduler has one-second resolution, so round up. */
export function atExpression(at: Date): string {
  const seconds = new Date(Math.ceil(at.getTime() / 1000) * 1000);
  return `at(${seconds.toISOString().slice(0, 19)})`;
}

/**
 * SendScheduler on EventBridge Scheduler: one one-time `at()` schedule per email in Mailroom's
 * group, targeting the lane queue with the lane message (schedule version included) as its body,
 * deleted by Scheduler after it fires. Creation is idempotent through ClientToken (email id +
 * schedule version), so a retried request never makes a second schedule.
 */
export class EventBridgeSendScheduler implements SendScheduler {
  constructor(
    private readonly client: SchedulerClient,
    private readonly config: SchedulerConfig,
  ) {}

  private request(input: { emailId: string; lane: Lane; at: Date; message: LaneMessage }): CreateScheduleCommandInput {
    const arn = this.config.queueArns[input.lane];
    if (!arn) throw new Error(`No queue ARN configured for lane ${input.lane}`);
    return {
      Name: scheduleName(input.emailId),
      GroupName: this.config.groupName,
      ScheduleExpression: atExpression(input.at),
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: arn,
        RoleArn: this.config.roleArn,
        Input: JSON.stringify(input.message),
        RetryPolicy: { ...SCHEDULE_RETRY_POLICY },
        DeadLetterConfig: { Arn: this.config.deadLetterArn },
      },
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
      Description: `Mailroom email ${input.emailId} (schedule version ${input.message.scheduleVersion})`,
      ClientToken: `${input.emailId}-v${input.message.scheduleVersion}`.slice(0, 64),
    };
  }

  async schedule(input: { emailId: string; lane: Lane; at: Date; message: LaneMessage }): Promise<void> {
    try {
      await this.client.send(new CreateScheduleCommand(this.request(input)));
    } catch (error) {
      // The schedule exists (a retry after its ClientToken expired): make it match this request.
      if (!(error instanceof ConflictException)) throw error;
      await this.client.send(new UpdateScheduleCommand(this.request(input)));
    }
  }

  async reschedule(input: { emailId: string; lane: Lane; at: Date; message: LaneMessage }): Promise<void> {
    try {
      await this.client.send(new UpdateScheduleCommand(this.request(input)));
    } catch (error) {
      // Sent through an SQS delay before, or already fired and deleted: create it.
      if (!(error instanceof ResourceNotFoundException)) throw error;
      await this.client.send(new CreateScheduleCommand(this.request(input)));
    }
  }

  async cancel(emailId: string): Promise<void> {
    try {
      await this.client.send(new DeleteScheduleCommand({ Name: scheduleName(emailId), GroupName: this.config.groupName }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }
}

/**
 * Picks the scheduler by configuration: `local` (set by local mode) keeps schedules in the main
 * table; `aws`, or all four Scheduler settings present, uses EventBridge Scheduler; otherwise none
 * (sends more than 15 minutes ahead are then refused with 503).
 */
export function createSendScheduler(config: {
  mode?: 'local' | 'aws';
  doc: DynamoDBDocumentClient;
  tableName: string;
  groupName?: string;
  roleArn?: string;
  deadLetterArn?: string;
  queueArns?: Partial<Record<Lane, string>>;
}): SendScheduler | undefined {
  if (config.mode === 'local') return new DynamoLocalScheduler(config.doc, config.tableName);
  const { groupName, roleArn, deadLetterArn, queueArns } = config;
  if (groupName && roleArn && deadLetterArn && queueArns) {
    return new EventBridgeSendScheduler(createSchedulerClient(), { groupName, roleArn, deadLetterArn, queueArns });
  }
  if (config.mode === 'aws') throw new Error('MAILROOM_SCHEDULER=aws needs the schedule group, scheduler role, scheduler DLQ and lane queue ARNs');
  return undefined;
}

/** Scheduler settings as a function's parsed environment holds them. */
export interface SchedulerEnv {
  readonly [ENV.TABLE_NAME]: string;
  readonly [ENV.SCHEDULER]?: 'local' | 'aws' | undefined;
  readonly [ENV.SCHEDULE_GROUP]?: string | undefined;
  readonly [ENV.SCHEDULER_ROLE_ARN]?: string | undefined;
  readonly [ENV.SCHEDULER_DLQ_ARN]?: string | undefined;
  readonly [ENV.LANE_QUEUE_ARNS]?: Partial<Record<Lane, string>> | undefined;
}

/** createSendScheduler from a parsed environment (ingest, emails, intake). */
export function sendSchedulerFromEnv(config: SchedulerEnv, doc: DynamoDBDocumentClient): SendScheduler | undefined {
  const pick = <K extends string, V>(key: K, value: V | undefined) => (value === undefined ? {} : ({ [key]: value } as Record<K, V>));
  return createSendScheduler({
    ...pick('mode', config[ENV.SCHEDULER]),
    doc,
    tableName: config[ENV.TABLE_NAME],
    ...pick('groupName', config[ENV.SCHEDULE_GROUP]),
    ...pick('roleArn', config[ENV.SCHEDULER_ROLE_ARN]),
    ...pick('deadLetterArn', config[ENV.SCHEDULER_DLQ_ARN]),
    ...pick('queueArns', config[ENV.LANE_QUEUE_ARNS]),
  });
}
