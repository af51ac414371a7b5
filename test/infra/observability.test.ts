import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { LANE_NAMES, LANES } from '#shared/config/lanes';
import { CUSTOM_DIMENSIONS, CUSTOM_NAMESPACE, FOLDED_RUNBOOK, RUNBOOK, SES_THRESHOLDS, type Severity } from '#infra/constructs/observability';
import { METRIC_SERIES, METRIC_SERVICE } from '#shared/observability/metric-series';
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
    const withDashboard = synthTemplate({ dashboard: true }).template;
    const [dashboard] = Object.values(withDashboard.findResources('AWS::CloudWatch::Dashboard')) as Alarm[];
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

  it('keeps an alarm, at the right severity, for every signal an operator acts on', () => {
    const severityOf = (a: Alarm) => /^\[(page|ticket)\]/.exec(a.Properties.AlarmDescription)?.[1];
    const onQueue = (metric: string, queue: unknown) => (a: Alarm) =>
      a.Properties.MetricName === metric && JSON.stringify(a.Properties.Dimensions).includes(logicalId(stack, queue as never));
    const reads = (namespace: string, name: string) => (a: Alarm) => alarmMetrics(a).some((m) => m.namespace === namespace && m.name === name);
    const signals: Array<[string, (a: Alarm) => boolean, Severity]> = [
      ...LANE_NAMES.map(
        (l) =>
          [
            `${l} lane DLQ not empty`,
            onQueue('ApproximateNumberOfMessagesVisible', stack.lanes.dlqs[l]),
            l === 'critical' || l === 'transactional' ? 'page' : 'ticket',
          ] as [string, (a: Alarm) => boolean, Severity],
      ),
      ['intake DLQ not empty', onQueue('ApproximateNumberOfMessagesVisible', stack.intake.deadLetterQueue), 'page'],
      ['tracking DLQ not empty', onQueue('ApproximateNumberOfMessagesVisible', stack.tracking.deadLetterQueue), 'page'],
      ['scheduler DLQ not empty', onQueue('ApproximateNumberOfMessagesVisible', stack.scheduling.deadLetterQueue), 'page'],
      ['webhook fan-out DLQ not empty', onQueue('ApproximateNumberOfMessagesVisible', stack.webhooks.eventDeadLetterQueue), 'ticket'],
      ['webhook delivery DLQ not empty', onQueue('ApproximateNumberOfMessagesVisible', stack.webhooks.deliveryDeadLetterQueue), 'ticket'],
      ['critical lane backlog too old', onQueue('ApproximateAgeOfOldestMessage', stack.lanes.queues.critical), 'page'],
      ['function errors', reads('AWS/Lambda', 'Errors'), 'ticket'],
      ['function throttles', reads('AWS/Lambda', 'Throttles'), 'ticket'],
      ['SES bounce rate', reads('AWS/SES', 'Reputation.BounceRate'), 'page'],
      ['SES complaint rate', reads('AWS/SES', 'Reputation.ComplaintRate'), 'page'],
      ['SES send quota', reads('AWS/SES', 'Send'), 'page'],
      ['circuit breaker open', reads(CUSTOM_NAMESPACE, 'BreakerOpen'), 'page'],
      ['SMTP fallback in use', reads(CUSTOM_NAMESPACE, 'ProviderFallbacks'), 'ticket'],
      ['emails failing', reads(CUSTOM_NAMESPACE, 'EmailsFailed'), 'ticket'],
      ['emails stuck', reads(CUSTOM_NAMESPACE, 'StuckEmails'), 'page'],
      ['API 5xx', reads('AWS/ApiGateway', '5xx'), 'page'],
      ['DynamoDB write throttles', reads('AWS/DynamoDB', 'WriteThrottleEvents'), 'ticket'],
    ];
    for (const [signal, predicate, severity] of signals) {
      const matching = Object.values(alarms).filter(predicate);
      expect(matching, signal).toHaveLength(1);
      expect(severityOf(matching[0]!), signal).toBe(severity);
    }
    // Nothing else: the alarm set is exactly these signals (each is a billed metric or two).
    expect(Object.keys(alarms)).toHaveLength(signals.length);
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

  it('folds Scheduler, EventBridge rule and DynamoDB system-error failures into other alarms (no alarm reads them)', () => {
    const metrics = Object.values(alarms).flatMap(alarmMetrics);
    expect(metrics.filter((m) => m.namespace === 'AWS/Scheduler' || m.namespace === 'AWS/Events')).toEqual([]);
    expect(metrics.filter((m) => m.name === 'SystemErrors')).toEqual([]);
    // What stands for them: the scheduler and rule-target DLQs, and the reconciler's stuck-emails alarm.
    const dlqs = (queue: unknown) =>
      find(
        (a) =>
          a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible' &&
          JSON.stringify(a.Properties.Dimensions).includes(logicalId(stack, queue as never)),
      );
    for (const queue of [stack.scheduling.deadLetterQueue, stack.intake.deadLetterQueue, stack.tracking.deadLetterQueue, stack.webhooks.eventDeadLetterQueue])
      expect(dlqs(queue), logicalId(stack, queue)).toHaveLength(1);
    expect(alarms[logicalId(stack, stack.reconciler.stuckAlarm)]).toBeDefined();
  });

  it('alarms on throttled writes of the main table (ticket), one table-level metric', () => {
    const match = find((a) => a.Properties.Namespace === 'AWS/DynamoDB');
    expect(match).toHaveLength(1);
    expect(match[0]!.Properties).toMatchObject({
      MetricName: 'WriteThrottleEvents',
      Statistic: 'Sum',
      Threshold: 0,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
    });
    expect(match[0]!.Properties.Dimensions).toEqual([{ Name: 'TableName', Value: { Ref: logicalId(stack, stack.storage.table) } }]);
    expect(match[0]!.Properties.AlarmDescription).toMatch(new RegExp(`^\\[ticket\\].*#${RUNBOOK.dynamoThrottles}`));
  });

  it('pages at 90 % of the SES daily send quota and refuses a production synth without the quota', () => {
    const quota = find((a) => alarmMetrics(a).some((m) => m.namespace === 'AWS/SES' && m.name === 'Send'));
    expect(quota.map((a) => a.Properties.Threshold)).toEqual([SES_THRESHOLDS.quotaPage * 100]);
    expect(quota[0]!.Properties.AlarmDescription).toMatch(/^\[page\]/);
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

  it("pages when the critical lane's oldest message is older than the lane table says; other lanes only when laneMaxAgeSeconds names them", () => {
    const ageAlarms = (t: { stack: MailroomStack; template: Template }, lane: (typeof LANE_NAMES)[number]) =>
      Object.values(t.template.findResources('AWS::CloudWatch::Alarm')).filter(
        (a: any) =>
          a.Properties.MetricName === 'ApproximateAgeOfOldestMessage' &&
          JSON.stringify(a.Properties.Dimensions).includes(logicalId(t.stack, t.stack.lanes.queues[lane])),
      ) as Alarm[];
    for (const lane of LANE_NAMES) expect(ageAlarms({ stack, template }, lane), lane).toHaveLength(lane === 'critical' ? 1 : 0);
    expect(ageAlarms({ stack, template }, 'critical')[0]!.Properties).toMatchObject({
      Threshold: LANES.critical.maxAgeSeconds,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(ageAlarms({ stack, template }, 'critical')[0]!.Properties.AlarmDescription).toMatch(/^\[page\]/);
    const tuned = synthTemplate({ laneMaxAgeSeconds: { bulk: 7200, critical: 30 } });
    expect(ageAlarms(tuned, 'bulk')[0]!.Properties).toMatchObject({ Threshold: 7200 });
    expect(ageAlarms(tuned, 'bulk')[0]!.Properties.AlarmDescription).toMatch(/^\[ticket\]/);
    expect(ageAlarms(tuned, 'critical')[0]!.Properties).toMatchObject({ Threshold: 30 });
  });

  it('alarms on Errors and Throttles of every function through the account-wide AWS/Lambda metrics (two billed metrics)', () => {
    const lambdaAlarms = find((a) => a.Properties.Namespace === 'AWS/Lambda');
    expect(lambdaAlarms.map((a) => a.Properties.MetricName).sort()).toEqual(['Errors', 'Throttles']);
    for (const a of lambdaAlarms) {
      expect(a.Properties.Dimensions ?? []).toEqual([]);
      expect(a.Properties).toMatchObject({ Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', Period: 300 });
    }
  });

  it('alarms on Errors, Throttles and Duration near the timeout of every function with -c functionAlarms=function', () => {
    const perFunction = synthTemplate({ functionAlarms: 'function' }).template;
    const all = Object.values(perFunction.findResources('AWS::CloudWatch::Alarm')) as Alarm[];
    const functions = Object.keys(perFunction.findResources('AWS::Lambda::Function'));
    for (const fnId of functions) {
      const timeout = (perFunction.toJSON().Resources[fnId].Properties.Timeout as number | undefined) ?? 3;
      const of = (metric: string) =>
        all.filter(
          (a) => a.Properties.Namespace === 'AWS/Lambda' && a.Properties.MetricName === metric && JSON.stringify(a.Properties.Dimensions).includes(`"${fnId}"`),
        );
      expect(of('Duration'), `Duration ${fnId}`).toHaveLength(1);
      expect(of('Duration')[0]!.Properties).toMatchObject({
        Statistic: 'Maximum',
        Threshold: timeout * 1000 * 0.8,
        ComparisonOperator: 'GreaterThanThreshold',
      });
      for (const metric of ['Errors', 'Throttles']) {
        expect(of(metric), `${metric} ${fnId}`).toHaveLength(1);
        expect(of(metric)[0]!.Properties).toMatchObject({ Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', Period: 300 });
      }
    }
    // …instead of the account-wide pair, not on top of it.
    expect(all.filter((a) => a.Properties.Namespace === 'AWS/Lambda' && !a.Properties.Dimensions)).toEqual([]);
    expect(() => synthTemplate({ functionAlarms: 'each' })).toThrow(/functionAlarms/);
  });

  it('alarms on the SES reputation rates', () => {
    const rate = (name: string) => find((a) => alarmMetrics(a).some((m) => m.namespace === 'AWS/SES' && m.name === name));
    expect(rate('Reputation.BounceRate')).toHaveLength(1);
    // AWS advises staying under 2 % (review at 5 %): the alarm warns with margin.
    expect(rate('Reputation.BounceRate')[0]!.Properties.Threshold).toBeLessThanOrEqual(0.02);
    expect(rate('Reputation.BounceRate')[0]!.Properties).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold' });
    expect(rate('Reputation.ComplaintRate')[0]!.Properties).toMatchObject({ Threshold: 0.0008, ComparisonOperator: 'GreaterThanThreshold' });
  });

  it("alarms on provider fallbacks, an open breaker and failing emails, each on one exact series of Mailroom's own metrics", () => {
    const custom = (metric: string) => find((a) => a.Properties.Namespace === CUSTOM_NAMESPACE && a.Properties.MetricName === metric);
    const series = [{ Name: 'service', Value: METRIC_SERVICE }];
    expect(custom('ProviderFallbacks')[0]!.Properties).toMatchObject({
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      Dimensions: series,
    });
    expect(custom('BreakerOpen')[0]!.Properties).toMatchObject({
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Dimensions: series,
    });
    expect(custom('BreakerOpen')[0]!.Properties.AlarmDescription).toMatch(/^\[page\]/);
    expect(custom('EmailsFailed')[0]!.Properties).toMatchObject({ Statistic: 'Sum', Threshold: 5, Dimensions: series });
    // Every custom series an alarm reads is one the functions publish (shared/observability/metric-series.ts).
    for (const alarm of Object.values(alarms)) {
      for (const m of alarmMetrics(alarm).filter((x) => x.namespace === CUSTOM_NAMESPACE)) {
        const groups = METRIC_SERIES[m.name as keyof typeof METRIC_SERIES].map((g) => ['service', ...Object.keys(g.dimensions)].sort().join('+'));
        expect(groups, m.name).toContain([...m.dimensions].sort().join('+'));
      }
      // No Metrics Insights query: it is billed per series it reads.
      for (const m of alarmMetrics(alarm)) expect(m.expression ?? '').not.toMatch(/^\s*SELECT/i);
    }
  });

  it("publishes every function's metrics under the service the alarms name", () => {
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function')) as Alarm[]) {
      expect(fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).toBe(METRIC_SERVICE);
      expect(fn.Properties.Environment.Variables.POWERTOOLS_METRICS_NAMESPACE).toBe(CUSTOM_NAMESPACE);
    }
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
    for (const d of used) expect([...CUSTOM_DIMENSIONS, 'service']).toContain(d);
  });

  it('builds no dashboard by default ($3 a month), and with -c dashboard=true one with lanes, providers, latency, reputation and API widgets', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(stack.observability.dashboard).toBeUndefined();
    const on = synthTemplate({ dashboard: 'true' });
    // No fixed name: a second stack in the account gets its own dashboard.
    expect((Object.values(on.template.findResources('AWS::CloudWatch::Dashboard'))[0] as Alarm).Properties.DashboardName).toBeUndefined();
    expect(() => synthTemplate({ dashboard: 'yes' })).toThrow(/dashboard/);
    const titles = widgets.map((w) => w.properties.title);
    for (const title of [
      'Lane depth (visible messages)',
      'Lane oldest message age (s)',
      'EmailsSent by lane',
      'EmailsFailed by lane',
      'Send attempts by provider',
      'Provider fallbacks',
      'SendLatency (ms) p50 / p90 / p99',
      'TimeToSend (ms) p50 / p90 / p99',
      'SES reputation',
      'API requests',
      'API latency (ms)',
      'Lambda errors and throttles (account)',
    ]) {
      expect(titles).toContain(title);
    }
    const body = JSON.stringify(widgets);
    // Each SEARCH names a dimension the metric carries (SendLatency: Provider; TimeToSend: Lane).
    for (const p of ['p50', 'p90', 'p99']) {
      expect(body).toContain(`MetricName=\\"SendLatency\\" Provider', '${p}'`);
      expect(body).toContain(`MetricName=\\"TimeToSend\\" Lane', '${p}'`);
    }
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
    for (const anchor of [...Object.values(RUNBOOK), ...Object.values(FOLDED_RUNBOOK), 'emails-stuck']) expect(slugs, anchor).toContain(anchor);
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
