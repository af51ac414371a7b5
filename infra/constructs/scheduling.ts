import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deadLetterQueue } from './lanes';
import type { LaneQueues, SchedulerBinding } from './mailroom-function';

export interface SchedulingProps {
  readonly laneQueues: LaneQueues;
}

/**
 * Future sends: a schedule group for Mailroom's one-time schedules, the role EventBridge Scheduler
 * assumes to drop the lane message into the lane queue, and the DLQ for schedules that could not fire.
 * Functions that create schedules receive all of it through `MailroomFunction.bindScheduler(binding)`.
 */
export class Scheduling extends Construct {
  public readonly group: scheduler.ScheduleGroup;
  public readonly role: iam.Role;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly binding: SchedulerBinding;

  constructor(scope: Construct, id: string, props: SchedulingProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.group = new scheduler.ScheduleGroup(this, 'Group', {});

    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', 'EventBridge Scheduler schedules');

    this.role = new iam.Role(this, 'Role', {
      description: 'Mailroom: EventBridge Scheduler puts due lane messages into lane queues',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        // Confused-deputy guard: only schedules of this account may assume the role.
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    });
    // Only sqs:SendMessage, and only on the lane queues; Scheduler also needs it on the DLQ it
    // writes failed invocations to (SQS-managed SSE needs no kms permission).
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['sqs:SendMessage'],
        resources: [...Object.values(props.laneQueues).map((q) => q.queueArn), this.deadLetterQueue.queueArn],
      }),
    );

    this.binding = {
      scheduleGroupName: this.group.scheduleGroupName,
      role: this.role,
      deadLetterQueue: this.deadLetterQueue,
      laneQueues: props.laneQueues,
    };
  }
}
