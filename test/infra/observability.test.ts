import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { LANE_NAMES, LANES } from '#shared/config/lanes';
import { CUSTOM_DIMENSIONS, CUSTOM_NAMESPACE, RUNBOOK, type Severity } from '#infra/constructs/observability';
import { REPO_ROOT } from '#infra/constructs/mailroom-function';
import type { MailroomStack } from '#infra/mailroom-stack';
import { ENV } from '#shared/config/env';
import { asArray, envOf, grantsOf, logicalId, resourcesOf, synthTemplate } from './fixture';

process.env.CDK_VALIDATION = 'false';

type Alarm = { Properties: Record<string, any> };
type DashboardWidget = { properties: { title?: string; metrics?: unknown[][] } };

/** Every metric an alarm watches, flattened: {namespace, name, dimensions, expression}. */
function alarmMetrics(alarm: Alarm) {
  const p = alarm.Properties;
  if (p.MetricName) return [{ namespace: p.Namespace, name: p.MetricName, dimensions: (p.Dimensions ?? []).map((d: any) => d.Name), expression: undefined }];
  return (p.Metrics as any[]).map((m) => ({
    namespace: m.MetricStat?.Metric.Namespace,
    name: m.MetricStat?.Metric.MetricName,
    dimensions: (m.MetricStat?.Metric.Dimensions ?? []).map((d: any) => d.Name),
    expression: m.Expression as string | undefined,
  }));
}

/** Dimension names a Metrics Insights / SEARCH expression over the custom namespace uses. */
function expressionDimensions(expression: string): string[] {
  const select = /^SELECT\s+\w+\((\w+)\)\s+FROM\s+(\S+)(.*)$/i.exec(expression);
  if (select) {
    const rest = select[3] ?? '';
    return [...rest.matchAll(/(?:GROUP BY|WHERE|AND|,)\s*(\w+)/gi)].map((m) => m[1]!);
  }
  const search = /^SEARCH\('(.*)',\s*'[^']+',\s*\d+\)$/.exec(expression);
  if (search) {
    const terms = search[1]!.replace(/(Namespace|MetricName)="[^"]*"/g, '').trim();
    return terms ? terms.split(/\s+/) : [];
  }
  return [];
}

describe('observability', () => {
  let stack: MailroomStack;
  let template: Template;
  let alarms: Record<string, Alarm>;
  let widgets: DashboardWidget[];

  beforeAll(() => {
    ({ stack, template } = synthTemplate());
    alarms = template.findResources('AWS::CloudWatch::Alarm') as Record<string, Alarm>;
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as Alarm[];
    // The body is an Fn::Join of JSON text and tokens (queue names, region): stub the tokens.
    const parts = dashboard!.Properties.DashboardBody['Fn::Join'][1] as unknown[];
    widgets = JSON.parse(parts.map((x) => (typeof x === 'string' ? x : 'TOKEN')).join('')).widgets;
  });

  const find = (predicate: (a: Alarm) => boolean) => Object.values(alarms).filter(predicate);
  const topicRef = (severity: Severity) => ({
    Ref: logicalId(stack, severity === 'page' ? stack.observability.pageTopic : stack.observability.ticketTopic),
  });

  it('sends every alarm (and its recovery) to the page or the ticket topic and names a runbook section', () => {
    // Every alarm of the template, whoever created it, notifies one of the two topics.
    for (const [id, alarm] of Object.entries(alarms)) {
      expect([topicRef('page'), topicRef('ticket')], id).toContainEqual(alarm.Properties.AlarmActions[0]);
    }
    for (const created of stack.observability.alarms) {
      const id = logicalId(stack, created);
      const alarm = alarms[id]!;
      const severity = stack.observability.severities.get(created)!;
      expect(alarm.Properties.AlarmActions, id).toEqual([topicRef(severity)]);
      expect(alarm.Properties.OKActions, id).toEqual([topicRef(severity)]);
      expect(alarm.Properties.AlarmDescription, id).toMatch(new RegExp(`^\\[${severity}\\] .*docs/runbook\\.md#[a-z0-9-]+`));
      expect(alarm.Properties.TreatMissingData, id).toBe('notBreaching');
    }
    const severities = [...stack.observability.severities.values()];
    expect(severities).toContain('page');
    expect(severities).toContain('ticket');
  });

  it('also notifies existing pager / ticketing topics when given (pageTopicArn, ticketTopicArn)', () => {
    const page = 'arn:aws:sns:eu-west-1:123456789012:pagerduty';
    const ticket = 'arn:aws:sns:eu-west-1:123456789012:jira';
    const wired = synthTemplate({ pageTopicArn: page, ticketTopicArn: ticket });
    const json = wired.template.toJSON().Resources;
    for (const created of wired.stack.observability.alarms) {
      const severity = wired.stack.observability.severities.get(created);
      expect(json[logicalId(wired.stack, created)].Properties.AlarmActions).toContain(severity === 'page' ? page : ticket);
    }
  });

  it('alarms on every DLQ outside the lanes: intake, tracking, scheduler (page) and webhooks (ticket)', () => {
    const hooked = synthTemplate({
      webhooks: [{ tenant: 'acme', url: 'https://hooks.acme.test/m', apiKeySecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:h-AbCdEf' }],
    });
    const all = hooked.template.findResources('AWS::CloudWatch::Alarm') as Record<string, Alarm>;
    const dlqAlarm = (queue: unknown) =>
      Object.values(all).filter(
        (a) =>
          a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible' &&
          JSON.stringify(a.Properties.Dimensions).includes(logicalId(hooked.stack, queue as never)),
      );
    const s = hooked.stack;
    for (const [queue, severity] of [
      [s.intake.deadLetterQueue, 'page'],
      [s.tracking.deadLetterQueue, 'page'],
      [s.scheduling.deadLetterQueue, 'page'],
      [s.events.webhookDeadLetterQueue!, 'ticket'],
    ] as const) {
      const [alarm] = dlqAlarm(queue);
      expect(alarm, logicalId(s, queue)).toBeDefined();
      expect(alarm!.Properties).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
      expect(alarm!.Properties.AlarmDescription).toMatch(new RegExp(`^\\[${severity}\\].*#${RUNBOOK.eventDlq}`));
    }
  });

  it("alarms on the Scheduler group's and the EventBridge rules' failure metrics", () => {
    const scheduler = find((a) => alarmMetrics(a).some((m) => m.namespace === 'AWS/Scheduler'));
    expect(scheduler).toHaveLength(1);
    expect(alarmMetrics(scheduler[0]!).map((m) => m.name)).toEqual(
      expect.arrayContaining(['TargetErrorCount', 'InvocationDroppedCount', 'InvocationsFailedToBeSentToDeadLetterCount']),
    );
    expect(JSON.stringify(scheduler[0]!.Properties.Metrics)).toContain(logicalId(stack, stack.scheduling.group));
    for (const rule of [stack.intake.rule, stack.tracking.rule]) {
      const match = find(
        (a) => alarmMetrics(a).some((m) => m.namespace === 'AWS/Events') && JSON.stringify(a.Properties.Metrics).includes(logicalId(stack, rule)),
      );
      expect(match, rule.node.path).toHaveLength(1);
      expect(alarmMetrics(match[0]!).map((m) => m.name)).toEqual(expect.arrayContaining(['FailedInvocations', 'InvocationsFailedToBeSentToDlq']));
    }
  });

  it('alarms on DynamoDB system errors (page) and throttles (ticket) of both tables', () => {
    for (const table of [stack.storage.table, stack.storage.idempotencyTable]) {
      for (const [metric, severity] of [
        ['SystemErrors', 'page'],
        ['ThrottledRequests', 'ticket'],
      ] as const) {
        const match = find(
          (a) =>
            alarmMetrics(a).some((m) => m.namespace === 'AWS/DynamoDB' && m.name === metric) &&
            JSON.stringify(a.Properties.Metrics).includes(logicalId(stack, table)),
        );
        expect(match, `${metric} ${table.node.path}`).toHaveLength(1);
        expect(match[0]!.Properties.AlarmDescription).toMatch(new RegExp(`^\\[${severity}\\]`));
      }
    }
  });

  it('alarms on the SES daily send quota (ticket at 80 %, page at 95 %) and refuses a production synth without the quota', () => {
    const quota = find((a) => alarmMetrics(a).some((m) => m.namespace === 'AWS/SES' && m.name === 'Send'));
    expect(quota.map((a) => a.Properties.Threshold).sort()).toEqual([80, 95]);
    expect(JSON.stringify(quota.map((a) => a.Properties.Metrics))).toContain('/ 50000');
    expect(() => synthTemplate({ sesDailyQuota: undefined })).toThrow(/sesDailyQuota/);
  });

  it('alarms on any message in a lane DLQ', () => {
    for (const lane of LANE_NAMES) {
      const match = find(
        (a) =>
          a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible' &&
          JSON.stringify(a.Properties.Dimensions).includes(logicalId(stack, stack.lanes.dlqs[lane])),
      );
      expect(match, lane).toHaveLength(1);
      expect(match[0]!.Properties).toMatchObject({ Namespace: 'AWS/SQS', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    }
  });

  it("alarms when a lane's oldest message is older than the lane table says (overridable per lane)", () => {
    for (const lane of LANE_NAMES) {
      const match = find(
        (a) =>
          a.Properties.MetricName === 'ApproximateAgeOfOldestMessage' &&
          JSON.stringify(a.Properties.Dimensions).includes(logicalId(stack, stack.lanes.queues[lane])),
      );
      expect(match, lane).toHaveLength(1);
      expect(match[0]!.Properties).toMatchObject({ Threshold: LANES[lane].maxAgeSeconds, ComparisonOperator: 'GreaterThanThreshold' });
    }
    const tuned = synthTemplate({ laneMaxAgeSeconds: { bulk: 7200 } });
    const bulkAge = Object.values(tuned.template.findResources('AWS::CloudWatch::Alarm')).filter(
      (a: any) =>
        a.Properties.MetricName === 'ApproximateAgeOfOldestMessage' &&
        JSON.stringify(a.Properties.Dimensions).includes(logicalId(tuned.stack, tuned.stack.lanes.queues.bulk)),
    ) as Alarm[];
    expect(bulkAge[0]!.Properties.Threshold).toBe(7200);
  });

  it('alarms on Errors, Throttles and Duration near the timeout of every function', () => {
    const functions = Object.keys(template.findResources('AWS::Lambda::Function'));
    for (const fnId of functions) {
      const timeout = (template.toJSON().Resources[fnId].Properties.Timeout as number | undefined) ?? 3;
      const duration = find(
        (a) =>
          a.Properties.Namespace === 'AWS/Lambda' && a.Properties.MetricName === 'Duration' && JSON.stringify(a.Properties.Dimensions).includes(`"${fnId}"`),
      );
      expect(duration, `Duration ${fnId}`).toHaveLength(1);
      expect(duration[0]!.Properties).toMatchObject({ Statistic: 'Maximum', Threshold: timeout * 1000 * 0.8, ComparisonOperator: 'GreaterThanThreshold' });
      for (const metric of ['Errors', 'Throttles']) {
        const match = find(
          (a) => a.Properties.Namespace === 'AWS/Lambda' && a.Properties.MetricName === metric && JSON.stringify(a.Properties.Dimensions).includes(`"${fnId}"`),
        );
        expect(match, `${metric} ${fnId}`).toHaveLength(1);
        expect(match[0]!.Properties).toMatchObject({ Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', Period: 300 });
      }
    }
  });

  it('alarms on the SES reputation rates', () => {
    const rate = (name: string) => find((a) => alarmMetrics(a).some((m) => m.namespace === 'AWS/SES' && m.name === name));
    expect(rate('Reputation.BounceRate')).toHaveLength(1);
    // AWS advises staying under 2 % (review at 5 %): the alarm warns with margin.
    expect(rate('Reputation.BounceRate')[0]!.Properties.Threshold).toBeLessThanOrEqual(0.02);
    expect(rate('Reputation.BounceRate')[0]!.Properties).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold' });
    expect(rate('Reputation.ComplaintRate')[0]!.Properties).toMatchObject({ Threshold: 0.0008, ComparisonOperator: 'GreaterThanThreshold' });
  });

  it("alarms on provider fallbacks, an open breaker and failing emails from Mailroom's own metrics", () => {
    const custom = (metric: string) => find((a) => alarmMetrics(a).some((m) => m.expression?.includes(`(${metric}) FROM ${CUSTOM_NAMESPACE}`)));
    expect(custom('ProviderFallbacks')[0]!.Properties).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    expect(alarmMetrics(custom('ProviderFallbacks')[0]!)[0]!.expression).toMatch(/^SELECT SUM\(/);
    expect(custom('BreakerOpen')[0]!.Properties).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    expect(alarmMetrics(custom('BreakerOpen')[0]!)[0]!.expression).toMatch(/^SELECT MAX\(/);
    expect(custom('EmailsFailed')).toHaveLength(1);
  });

  it('alarms when API 5xx exceed 1 % of requests', () => {
    const [rate] = find((a) => alarmMetrics(a).some((m) => m.namespace === 'AWS/ApiGateway' && m.name === '5xx'));
    expect(rate!.Properties.Threshold).toBe(1);
    const metrics = alarmMetrics(rate!);
    expect(metrics.find((m) => m.expression)?.expression).toContain('100 * errors / requests');
    expect(metrics.map((m) => m.name)).toEqual(expect.arrayContaining(['Count', '5xx']));
    expect(JSON.stringify(rate!.Properties.Metrics)).toContain(logicalId(stack, stack.api.httpApi));
  });

  it('uses only Lane, Provider and Reason as dimensions of custom metrics, in alarms and on the dashboard', () => {
    const used = new Set<string>();
    for (const alarm of Object.values(alarms)) {
      for (const m of alarmMetrics(alarm)) {
        if (m.namespace === CUSTOM_NAMESPACE)
          m.dimensions.forEach((d: string) => {
            used.add(d);
          });
        if (m.expression?.includes(CUSTOM_NAMESPACE))
          expressionDimensions(m.expression).forEach((d) => {
            used.add(d);
          });
      }
    }
    let customSeries = 0;
    for (const widget of widgets) {
      for (const line of widget.properties.metrics ?? []) {
        const options = line[line.length - 1] as { expression?: string };
        if (line[0] === CUSTOM_NAMESPACE) {
          customSeries++;
          const dims = line.slice(2, -1).filter((_, i) => i % 2 === 0) as string[];
          dims.forEach((d) => {
            used.add(d);
          });
        }
        if (options?.expression?.includes(CUSTOM_NAMESPACE)) {
          customSeries++;
          expressionDimensions(options.expression).forEach((d) => {
            used.add(d);
          });
        }
      }
    }
    expect(customSeries).toBeGreaterThan(0);
    for (const d of used) expect(CUSTOM_DIMENSIONS).toContain(d);
  });

  it('has a Mailroom dashboard with lanes, providers, latency, reputation and API widgets', () => {
    // No fixed name: a second stack in the account gets its own dashboard.
    expect((Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0] as Alarm).Properties.DashboardName).toBeUndefined();
    const titles = widgets.map((w) => w.properties.title);
    for (const title of [
      'Lane depth (visible messages)',
      'Lane oldest message age (s)',
      'EmailsSent by lane',
      'EmailsFailed by lane',
      'EmailsSent by provider',
      'Provider fallbacks by reason',
      'SendLatency (ms) p50 / p90 / p99',
      'TimeToSend (ms) p50 / p90 / p99',
      'SES reputation',
      'API requests',
      'API latency (ms)',
    ]) {
      expect(titles).toContain(title);
    }
    const body = JSON.stringify(widgets);
    for (const p of ['p50', 'p90', 'p99']) expect(body).toContain(`MetricName=\\"SendLatency\\" Lane', '${p}'`);
    for (const metric of ['4xx', '5xx', 'Count', 'Latency']) expect(body).toContain(`"AWS/ApiGateway","${metric}"`);
  });

  it('publishes alarms to TLS-only topics, with email subscriptions (both topics) only when alarmEmail is set', () => {
    template.resourceCountIs('AWS::SNS::TopicPolicy', 2);
    for (const policy of Object.values(template.findResources('AWS::SNS::TopicPolicy')) as Alarm[]) {
      expect(policy.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      );
    }
    template.resourceCountIs('AWS::SNS::Subscription', 2);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    const viaPager = synthTemplate({ alarmEmail: undefined, pageTopicArn: 'arn:aws:sns:eu-west-1:123456789012:pager' });
    viaPager.template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('refuses a production synth without an alarm destination, with a clear message, unless opted out or in another profile', () => {
    expect(() => synthTemplate({ alarmEmail: undefined })).toThrow(/no alarm destination: pass -c alarmEmail=.*or -c alarmDestination=none/);
    expect(() => synthTemplate({ alarmEmail: undefined, alarmDestination: 'none' })).not.toThrow();
    expect(() => synthTemplate({ alarmEmail: undefined, sendingIdentities: undefined, sesDailyQuota: undefined, profile: 'development' })).not.toThrow();
    expect(() => synthTemplate({ sendingIdentities: undefined })).toThrow(/no SES sending identities/);
  });
});

describe('health and operations functions', () => {
  it('may read lane metrics from CloudWatch (GetMetricData) and nothing else there', () => {
    const { stack, template } = synthTemplate();
    for (const fn of [stack.api.functions.health, stack.api.functions.operations]) {
      const statements = grantsOf(template, stack, fn, 'cloudwatch:GetMetricData');
      expect(statements, fn.node.path).toHaveLength(1);
      // Merged with X-Ray's Resource "*" statement by minimizePolicies; no other CloudWatch action.
      expect(asArray(statements[0]!.Action).filter((a) => a.startsWith('cloudwatch:'))).toEqual(['cloudwatch:GetMetricData']);
    }
    expect(grantsOf(template, stack, stack.api.functions.ingest, 'cloudwatch:GetMetricData')).toHaveLength(0);
  });

  it('gives /health the SMTP fallback secret (read only) when one is configured, so it can probe the fallback', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:mailroom-smtp-AbCdEf';
    const bare = synthTemplate();
    expect(envOf(bare.template, bare.stack, bare.stack.api.functions.health)).not.toHaveProperty(ENV.SMTP_SECRET_ARN);
    const { stack, template } = synthTemplate({ smtpSecretArn: arn });
    const health = stack.api.functions.health;
    expect(envOf(template, stack, health)[ENV.SMTP_SECRET_ARN]).toBe(arn);
    expect(resourcesOf(grantsOf(template, stack, health, 'secretsmanager:GetSecretValue'))).toEqual([JSON.stringify(arn)]);
    expect(envOf(template, stack, health)).toHaveProperty(ENV.TABLE_NAME);
    expect(envOf(template, stack, health)).toHaveProperty(ENV.LANE_DLQ_URLS);
  });
});

describe('runbook', () => {
  it("has a section for every alarm's runbook anchor", () => {
    const text = readFileSync(path.join(REPO_ROOT, 'docs', 'runbook.md'), 'utf8');
    // GitHub's heading slugs: lower case, punctuation dropped, spaces to dashes.
    const slugs = [...text.matchAll(/^#{2,4} (.+)$/gm)].map((m) =>
      m[1]!
        .trim()
        .toLowerCase()
        .replace(/[^\w\- ]/g, '')
        .replace(/ /g, '-'),
    );
    for (const anchor of Object.values(RUNBOOK)) expect(slugs, anchor).toContain(anchor);
  });
});

describe('LocalStack switch', () => {
  it("drops only the SES configuration set's EventBridge destination with -c sesEventDestination=false", () => {
    const on = synthTemplate();
    // One set (and destination) per tracking × TLS variant; two of them are the lanes' sets.
    on.template.resourceCountIs('AWS::SES::ConfigurationSetEventDestination', 8);
    for (const value of [false, 'false']) {
      const off = synthTemplate({ sesEventDestination: value });
      off.template.resourceCountIs('AWS::SES::ConfigurationSetEventDestination', 0);
      off.template.resourceCountIs('AWS::SES::ConfigurationSet', 8);
    }
  });
});
