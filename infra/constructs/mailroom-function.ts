import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Annotations, AssetHashType, type BundlingOptions, DockerImage, Duration, type ILocalBundling, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, type FunctionOptions, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledgeResourceStar, acknowledgeWildcardAction, acknowledgeWildcardResource } from './nag';
import { ENV } from '#shared/config/env';
import type { Lane } from '#shared/config/lanes';
import { bundleFunction, ENTRY_FILE, esbuildTarget } from '#infra/bundling';
import type { FunctionName } from '#infra/definitions';

/** Repository root (infra/constructs/ → ../../), so entries resolve wherever synth runs from. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The newest Node.js runtime aws-cdk-lib offers (pinned, not NODEJS_LATEST, so a CDK upgrade never changes it silently). */
export const MAILROOM_RUNTIME = Runtime.NODEJS_24_X;

export type LaneQueues = Readonly<Record<Lane, IQueue>>;

/**
 * LocalStack profile: schedules are items in the main table (the function already writes it),
 * fired by the `schedules` function every minute (see scheduling.ts).
 */
export interface TableSchedulerBinding {
  readonly kind: 'table';
}

/** What a function needs to create one-time schedules (see scheduling.ts). */
export interface SchedulerBinding {
  readonly scheduleGroupName: string;
  readonly role: iam.IRole;
  readonly deadLetterQueue: IQueue;
  readonly laneQueues: LaneQueues;
}

/** The resources acceptEmail writes to (see `MailroomFunction.bindAcceptEmail`). */
export interface AcceptEmailBinding {
  readonly table: ITable;
  readonly idempotencyTable: ITable;
  readonly laneQueues: LaneQueues;
  readonly attachmentsBucket: IBucket;
  readonly scheduler: SchedulerBinding | TableSchedulerBinding;
  readonly bus: IEventBus;
}

export interface MailroomFunctionProps extends Omit<FunctionOptions, 'architecture' | 'logGroup' | 'role'> {
  /** Folder under functions/ holding handler.ts. */
  readonly name: FunctionName;
  /** Log retention. @default one month */
  readonly logRetention?: RetentionDays;
}

/**
 * A Lambda function of Mailroom: Node.js (newest), arm64, X-Ray, its own log group, bundled by the
 * local esbuild as minified ESM with source maps, split into an entry file and chunks
 * (infra/bundling.ts; NodejsFunction cannot split: it passes esbuild an `--outfile`). The bind*
 * helpers set the environment variable AND grant the access in one call, so the two never drift apart.
 */
export class MailroomFunction extends LambdaFunction {
  public readonly mailroomName: FunctionName;

  constructor(scope: Construct, id: string, props: MailroomFunctionProps) {
    const { name, logRetention, environment, ...rest } = props;
    const entry = resolveEntry(scope, name);
    const logGroup = new LogGroup(scope, `${id}LogGroup`, {
      retention: logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Own role instead of the AWSLambdaBasicExecutionRole managed policy: logs to its own group only.
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Mailroom ${name} function`,
    });
    logGroup.grantWrite(role);
    super(scope, id, {
      memorySize: 512,
      timeout: Duration.seconds(10),
      ...rest,
      code: functionCode(entry),
      handler: `${path.basename(ENTRY_FILE, '.mjs')}.handler`,
      runtime: MAILROOM_RUNTIME,
      architecture: Architecture.ARM_64,
      tracing: Tracing.ACTIVE,
      logGroup,
      role,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'mailroom',
        POWERTOOLS_METRICS_NAMESPACE: 'Mailroom',
        NODE_OPTIONS: '--enable-source-maps',
        ...environment,
      },
    });
    this.mailroomName = name;
    acknowledgeResourceStar(role, 'xray:PutTraceSegments and xray:PutTelemetryRecords (active X-Ray tracing)');
    if (entry === PLACEHOLDER_ENTRY) {
      Annotations.of(this).addWarningV2('mailroom:missingHandler', `functions/${name}/handler.ts does not exist yet; synthesized without bundling only`);
    }
  }

  /** Main table → ENV.TABLE_NAME; idempotency table → ENV.IDEMPOTENCY_TABLE_NAME. */
  public bindTable(table: ITable, access: 'read' | 'readwrite', envName: typeof ENV.TABLE_NAME | typeof ENV.IDEMPOTENCY_TABLE_NAME = ENV.TABLE_NAME): this {
    this.addEnvironment(envName, table.tableName);
    if (access === 'read') table.grantReadData(this);
    else table.grantReadWriteData(this);
    acknowledgeWildcardResource(
      this.role!,
      `${table.tableArn}/index/*`,
      "Table grants cover the table's own global secondary indexes (index/*), e.g. gsi1 for newest-first lists; nothing outside this table.",
    );
    return this;
  }

  /**
   * Main table → ENV.TABLE_NAME, with only `actions` and only on items whose partition key starts
   * with one of `keyPrefixes` (`dynamodb:LeadingKeys`): for functions that touch one kind of item.
   */
  public bindTableItems(table: ITable, actions: readonly string[], keyPrefixes: readonly string[]): this {
    this.addEnvironment(ENV.TABLE_NAME, table.tableName);
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [...actions],
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': keyPrefixes.map((p) => `${p}*`) } },
      }),
    );
    return this;
  }

  /** ENV.LANE_QUEUE_URLS (JSON lane → URL) plus the chosen access on every lane queue. */
  public bindLaneQueues(queues: LaneQueues, access: { send?: boolean; attributes?: boolean }): this {
    this.addEnvironment(
      ENV.LANE_QUEUE_URLS,
      laneJson(this, queues, (q) => q.queueUrl),
    );
    for (const queue of Object.values(queues)) {
      if (access.send) queue.grantSendMessages(this);
      if (access.attributes) grantQueueAttributes(this, queue);
    }
    return this;
  }

  /**
   * ENV.LANE_DLQ_URLS plus access on the lane DLQs: `attributes` to read depth, `redrive` to inspect
   * messages and start/list SQS message move tasks back to the source queues.
   */
  public bindLaneDlqs(dlqs: LaneQueues, access: { attributes?: boolean; redrive?: boolean }): this {
    this.addEnvironment(
      ENV.LANE_DLQ_URLS,
      laneJson(this, dlqs, (q) => q.queueUrl),
    );
    const arns = Object.values(dlqs).map((q) => q.queueArn);
    if (access.attributes || access.redrive) {
      this.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl'], resources: arns }));
    }
    if (access.redrive) {
      this.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:StartMessageMoveTask', 'sqs:ListMessageMoveTasks'],
          resources: arns,
        }),
      );
    }
    return this;
  }

  /** ENV.EVENT_BUS_NAME plus events:PutEvents on that bus only. */
  public bindEventBus(bus: IEventBus): this {
    this.addEnvironment(ENV.EVENT_BUS_NAME, bus.eventBusName);
    bus.grantPutEventsTo(this);
    return this;
  }

  /**
   * Everything the acceptEmail use case needs (ingest and intake run it): both tables, the lane
   * queues, attachment uploads, the scheduler and the bus.
   */
  public bindAcceptEmail(deps: AcceptEmailBinding): this {
    return this.bindTable(deps.table, 'readwrite')
      .bindTable(deps.idempotencyTable, 'readwrite', ENV.IDEMPOTENCY_TABLE_NAME)
      .bindLaneQueues(deps.laneQueues, { send: true })
      .bindAttachments(deps.attachmentsBucket, 'put')
      .bindScheduler(deps.scheduler)
      .bindEventBus(deps.bus);
  }

  /** ENV.ATTACHMENTS_BUCKET plus object access. */
  public bindAttachments(bucket: IBucket, access: 'put' | 'read' | 'readwrite'): this {
    this.addEnvironment(ENV.ATTACHMENTS_BUCKET, bucket.bucketName);
    if (access === 'put') bucket.grantPut(this);
    // Senders only fetch objects by key: s3:GetObject, not grantRead's GetObject*/GetBucket*/List*.
    else if (access === 'read') this.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects('*')] }));
    else bucket.grantReadWrite(this);
    acknowledgeWildcardResource(
      this.role!,
      bucket.arnForObjects('*'),
      'Attachment objects are keyed per email under this one bucket; the grant covers objects of the attachments bucket only.',
    );
    if (access !== 'read')
      acknowledgeWildcardAction(
        this.role!,
        's3:Abort*',
        's3:AbortMultipartUpload (CDK grantPut) so a failed multipart attachment upload can be cleaned up; limited to the attachments bucket.',
      );
    return this;
  }

  /** A secret's ARN in `envName` plus secretsmanager:GetSecretValue on it only. */
  public bindSecret(secret: ISecret, envName: typeof ENV.SMTP_SECRET_ARN | typeof ENV.UNSUBSCRIBE_SECRET_ARN): this {
    this.addEnvironment(envName, secret.secretArn);
    secret.grantRead(this);
    return this;
  }

  /**
   * Schedule group, scheduler role, scheduler DLQ and lane queue ARNs in the environment, plus the
   * right to manage schedules in that group only and to pass that role only.
   */
  public bindScheduler(binding: SchedulerBinding | TableSchedulerBinding): this {
    if ('kind' in binding) {
      this.addEnvironment(ENV.SCHEDULER, 'local');
      return this;
    }
    const stack = Stack.of(this);
    const schedulesArn = stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${binding.scheduleGroupName}/*` });
    this.addEnvironment(ENV.SCHEDULE_GROUP, binding.scheduleGroupName);
    this.addEnvironment(ENV.SCHEDULER_ROLE_ARN, binding.role.roleArn);
    this.addEnvironment(ENV.SCHEDULER_DLQ_ARN, binding.deadLetterQueue.queueArn);
    this.addEnvironment(
      ENV.LANE_QUEUE_ARNS,
      laneJson(this, binding.laneQueues, (q) => q.queueArn),
    );
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule'],
        resources: [schedulesArn],
      }),
    );
    acknowledgeWildcardResource(
      this.role!,
      schedulesArn,
      "Schedules are created per email with generated names; the grant is limited to Mailroom's own schedule group.",
    );
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [binding.role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    return this;
  }
}

/** JSON object lane → value, rendered by CloudFormation (values are tokens at synth time). */
export function laneJson(scope: Construct, queues: LaneQueues, pick: (q: IQueue) => string): string {
  const map: Record<string, string> = {};
  for (const [lane, queue] of Object.entries(queues)) map[lane] = pick(queue);
  return Stack.of(scope).toJsonString(map);
}

function grantQueueAttributes(fn: MailroomFunction, queue: IQueue): void {
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl'], resources: [queue.queueArn] }));
}

/**
 * The function's asset: esbuild (the local one, never Docker) bundles `entry` into the asset
 * directory — index.mjs, chunks/*.mjs and their source maps (infra/bundling.ts). As NodejsFunction
 * does, the asset is hashed by its output, and skipped stacks (`aws:cdk:bundling-stacks`) bundle nothing.
 */
function functionCode(entry: string): Code {
  return Code.fromAsset(REPO_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Required by the type; never pulled: local bundling always succeeds or throws.
      image: DockerImage.fromRegistry('dummy'),
      local: new EsbuildLocalBundling(entry, esbuildTarget(MAILROOM_RUNTIME.name)),
    },
  });
}

/** CDK's local bundling hook: one synchronous esbuild build per function (its `entry` keys the asset cache). */
class EsbuildLocalBundling implements ILocalBundling {
  constructor(
    public readonly entry: string,
    public readonly target: string,
  ) {}

  tryBundle(outputDir: string, _options: BundlingOptions): boolean {
    bundleFunction(this.entry, outputDir, this.target);
    return true;
  }
}

/** Stands in for a handler that does not exist yet, and only when nothing is bundled. */
const PLACEHOLDER_ENTRY = path.join(REPO_ROOT, 'infra', 'constructs', 'placeholder-handler.ts');

/**
 * functions/<name>/handler.ts. When bundling is skipped (`aws:cdk:bundling-stacks: []`, as the infra
 * tests do) a missing handler is replaced by a placeholder so the template can still be asserted;
 * a real synth (bundling on) fails with the missing path.
 */
function resolveEntry(scope: Construct, name: FunctionName): string {
  const entry = path.join(REPO_ROOT, 'functions', name, 'handler.ts');
  if (existsSync(entry)) return entry;
  if (!Stack.of(scope).bundlingRequired) return PLACEHOLDER_ENTRY;
  throw new Error(`MailroomFunction '${name}': functions/${name}/handler.ts does not exist`);
}
