import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { isLane, type Lane } from '#shared/config/lanes';
import type { LaneMessage } from '#shared/domain/email';
import type { Clock, LaneQueue, SendScheduler } from '#shared/ports/index';
import { systemClock } from '#shared/ports/index';
import { KEYS } from './dynamodb-keys';

/** Partition of the main table's gsi1 that lists pending local schedules by due time. */
export const LOCAL_SCHEDULES_PARTITION = KEYS.scheduleByDueTime('', '').gsi1pk;

export const scheduleKey = KEYS.schedule;

interface ScheduleItem {
  pk: string;
  sk: string;
  gsi1pk: string;
  gsi1sk: string;
  emailId: string;
  lane: Lane;
  dueAt: string;
  message: LaneMessage;
}

/**
 * Local stand-in for EventBridge Scheduler (which has no emulator): a schedule is a
 * `SCHEDULE#<emailId>` item in the main table, listed by due time under gsi1 `SCHEDULES`.
 * `startLocalSchedulerLoop` fires due ones into the lane queue. Schedules live in DynamoDB, so
 * they survive a restart of `npm start`.
 */
export class DynamoLocalScheduler implements SendScheduler {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private async put(input: { emailId: string; lane: Lane; at: Date; message: LaneMessage }): Promise<void> {
    const dueAt = input.at.toISOString();
    const item: ScheduleItem = {
      ...scheduleKey(input.emailId),
      ...KEYS.scheduleByDueTime(dueAt, input.emailId),
      emailId: input.emailId,
      lane: input.lane,
      dueAt,
      message: input.message,
    };
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }

  schedule(input: { emailId: string; lane: Lane; at: Date; message: LaneMessage }): Promise<void> {
    return this.put(input);
  }

  reschedule(input: { emailId: string; lane: Lane; at: Date; message: LaneMessage }): Promise<void> {
    return this.put(input);
  }

  async cancel(emailId: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: scheduleKey(emailId) }));
  }

  /** Schedules due at `now` or earlier, oldest first. */
  async due(now: Date, limit = 100): Promise<ScheduleItem[]> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p AND gsi1sk <= :now',
        ExpressionAttributeValues: { ':p': LOCAL_SCHEDULES_PARTITION, ':now': `${now.toISOString()}#~` },
        Limit: limit,
      }),
    );
    return (out.Items ?? []) as ScheduleItem[];
  }

  /** Removes a fired schedule unless it was replaced meanwhile (a reschedule wrote a new due time or version). */
  async remove(item: Pick<ScheduleItem, 'emailId' | 'dueAt' | 'message'>): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: scheduleKey(item.emailId),
          ConditionExpression: 'dueAt = :due AND message.scheduleVersion = :sv',
          ExpressionAttributeValues: { ':due': item.dueAt, ':sv': item.message.scheduleVersion },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

export interface LocalSchedulerLoop {
  /** Schedules fired so far. */
  readonly fired: number;
  /** Fires whatever is due now (the loop also does this every interval). */
  tick(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Fires due local schedules into their lane queues: at once on start (schedules that fell due
 * while local mode was down), then every `intervalMs`. A schedule is deleted after its message is
 * queued; a crash in between fires it twice with the same schedule version, and the sender's
 * claim sends it once.
 */
export function startLocalSchedulerLoop(options: {
  scheduler: DynamoLocalScheduler;
  queue: LaneQueue;
  clock?: Clock;
  intervalMs?: number;
  onError?: (error: unknown) => void;
}): LocalSchedulerLoop {
  const clock = options.clock ?? systemClock;
  let running = true;
  let fired = 0;
  let current: Promise<number> | undefined;
  const fire = async (): Promise<number> => {
    let count = 0;
    for (;;) {
      const due = await options.scheduler.due(clock.now());
      if (due.length === 0) return count;
      for (const item of due) {
        if (isLane(item.lane)) await options.queue.enqueue(item.lane, item.message);
        await options.scheduler.remove(item);
        count++;
        fired++;
      }
      if (!running) return count;
    }
  };
  const tick = () => {
    current ??= fire().finally(() => (current = undefined));
    return current;
  };
  const loop = (async () => {
    while (running) {
      try {
        await tick();
      } catch (error) {
        if (running) options.onError?.(error);
      }
      if (running) await sleep(options.intervalMs ?? 250);
    }
  })();
  return {
    get fired() {
      return fired;
    },
    tick,
    async stop() {
      running = false;
      await loop;
      await current?.catch(() => undefined);
    },
  };
}
