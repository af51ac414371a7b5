import type { Construct } from 'constructs';
import { LANE_NAMES, isLane, type Lane } from '#shared/config/lanes';
import { DEFAULT_MUTED_EVENTS, mutedEventRefusal } from '#shared/domain/outbound-events';
import { FUNCTION_ALARM_SCOPES, type FunctionAlarmScope } from './observability';

/** One per-tenant webhook: Mailroom bus events whose `detail.tenant` matches are POSTed to `url`. */
export interface WebhookSetting {
  readonly tenant: string;
  readonly url: string;
  /** Secrets Manager secret whose SecretString is the API key sent in `apiKeyHeader`. */
  readonly apiKeySecretArn: string;
  /** Header that carries the API key. */
  readonly apiKeyHeader: string;
}

/** A principal allowed to request mail for some tenants through the EventBridge intake. */
export interface IntakePublisherSetting {
  /** 12-digit account id or IAM role/user ARN: who may call PutEvents on the Mailroom bus. */
  readonly principal: string;
  /** The `source` its events must carry (bus-policy condition; checked again by intake). */
  readonly source: string;
  /** Tenants it may request mail for. */
  readonly tenants: readonly string[];
}

/**
 * `production` (default): a deploy must name an alarm destination and the SES sending identities.
 * `development`: both optional (a synth or a sandbox deploy). `localstack`: development plus what
 * LocalStack's Free plan can run (REST API instead of the HTTP API, no CloudFront console, no
 * EventBridge Scheduler, no SES event destination); see docs/localstack.md.
 */
export const PROFILES = ['production', 'development', 'localstack'] as const;
export type Profile = (typeof PROFILES)[number];

/**
 * Deployment knobs read from CDK context (cdk.json or `-c key=value`). Every value has a
 * default, so `cdk synth` works with an empty context; docs/configuration.md lists them.
 */
export interface MailroomSettings {
  readonly attachmentRetentionDays: number;
  readonly apiRateLimit: number;
  readonly apiBurstLimit: number;
  readonly smtpSecretArn?: string;
  readonly publicApiUrl?: string;
  readonly profile: Profile;
  readonly intakePublishers: readonly IntakePublisherSetting[];
  readonly webhooks: readonly WebhookSetting[];
  /** Subscribed to both alarm topics (page and ticket). */
  readonly alarmEmail?: string;
  /** Existing SNS topics (pager integration, ticketing) that page / ticket alarms also notify. */
  readonly pageTopicArn?: string;
  readonly ticketTopicArn?: string;
  /** `-c alarmDestination=none`: deploy without any alarm destination, on purpose. */
  readonly noAlarmDestination: boolean;
  /**
   * SES identities (domains or addresses) the senders may send from; `*` = every identity of the
   * account and region, on purpose. Required in the production profile.
   */
  readonly sendingIdentities: readonly string[];
  /** Reserved concurrency of the critical lane's sender (0 = none). */
  readonly criticalReservedConcurrency: number;
  /** The SES account's Max24HourSend (`aws sesv2 get-account`): the send-quota alarms compare with it. */
  readonly sesDailyQuota?: number;
  /** Custom redirect domain for open/click tracking of the marketing configuration set. */
  readonly trackingDomain?: string;
  /** Per-route throttle of the unauthenticated routes (/health, /unsubscribe/*), requests per second. */
  readonly publicRouteRateLimit: number;
  readonly publicRouteBurstLimit: number;
  /** Backlog-age alarm thresholds: the critical lane always has one; a lane named here gets one too. */
  readonly laneMaxAgeSeconds: Partial<Record<Lane, number>>;
  /** `-c dashboard=true`: build the CloudWatch dashboard ($3 a month). Off by default: the console and the alarms cover incidents. */
  readonly dashboard: boolean;
  /** `-c functionAlarms=function`: per-function Errors/Throttles/Duration alarms instead of the two account-wide ones. */
  readonly functionAlarms: FunctionAlarmScope;
  /**
   * Outbound detail-types left off the Mailroom bus (ENV.MUTED_EVENTS of every publishing function):
   * default `Email Accepted`; `-c mutedEvents=none` publishes every event.
   */
  readonly mutedEvents: readonly string[];
  readonly eventArchiveDays: number;
  /**
   * Publish SES events of the configuration set to the default EventBridge bus (delivery tracking).
   * LocalStack's community edition cannot create that destination: `-c sesEventDestination=false`.
   */
  readonly sesEventDestination: boolean;
}

/** Lambda's synchronous invocation payload limit (request and response, each). */
export const LAMBDA_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;
/**
 * The largest request body the API accepts (ingest's MAILROOM_MAX_BODY_BYTES): 4 MiB, so the
 * API Gateway event around it (headers, JSON escaping of the body) stays under Lambda's 6 MB.
 * Larger attachments go by `path` (a URL Mailroom fetches) instead of inline base64 `content`.
 */
export const MAX_REQUEST_BODY_BYTES = 4 * 1024 * 1024;

export const DEFAULT_SETTINGS = {
  attachmentRetentionDays: 30,
  apiRateLimit: 200,
  apiBurstLimit: 400,
  eventArchiveDays: 0,
  criticalReservedConcurrency: 50,
  publicRouteRateLimit: 20,
  publicRouteBurstLimit: 40,
} as const;

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

/** `-c key=value` arrives as a string, cdk.json as JSON: accept both. */
function parseMaybeJson(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  const trimmed = raw.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch (cause) {
      throw new SettingsError(`context value is not valid JSON: ${trimmed}`, { cause });
    }
  }
  return raw;
}

function positiveInt(scope: Construct, key: string, fallback: number, allowZero = false): number {
  const raw = parseMaybeJson(scope.node.tryGetContext(key));
  if (raw === undefined || raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || (!allowZero && value === 0)) {
    throw new SettingsError(`context '${key}' must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${String(raw)}`);
  }
  return value;
}

function optionalString(scope: Construct, key: string): string | undefined {
  const raw = scope.node.tryGetContext(key) as unknown;
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string') throw new SettingsError(`context '${key}' must be a string`);
  return raw;
}

function stringList(scope: Construct, key: string): string[] {
  const raw = parseMaybeJson(scope.node.tryGetContext(key));
  if (raw === undefined || raw === null || raw === '') return [];
  const list = typeof raw === 'string' ? raw.split(',') : raw;
  if (!Array.isArray(list) || !list.every((v) => typeof v === 'string')) {
    throw new SettingsError(`context '${key}' must be a list of strings`);
  }
  return list.map((v: string) => v.trim()).filter(Boolean);
}

function webhooks(scope: Construct): WebhookSetting[] {
  const raw = parseMaybeJson(scope.node.tryGetContext('webhooks'));
  if (raw === undefined || raw === null || raw === '') return [];
  if (!Array.isArray(raw)) throw new SettingsError(`context 'webhooks' must be a list of {tenant, url, apiKeySecretArn}`);
  return raw.map((entry: unknown, i) => {
    const w = entry as Partial<Record<keyof WebhookSetting, unknown>>;
    const { tenant, url, apiKeySecretArn, apiKeyHeader } = w;
    if (
      typeof tenant !== 'string' ||
      !tenant ||
      typeof url !== 'string' ||
      !url.startsWith('https://') ||
      typeof apiKeySecretArn !== 'string' ||
      !apiKeySecretArn.startsWith('arn:')
    ) {
      throw new SettingsError(`context 'webhooks[${i}]' needs tenant, an https url and an apiKeySecretArn`);
    }
    if (apiKeyHeader !== undefined && typeof apiKeyHeader !== 'string') throw new SettingsError(`context 'webhooks[${i}].apiKeyHeader' must be a string`);
    return { tenant, url, apiKeySecretArn, apiKeyHeader: apiKeyHeader ?? 'x-api-key' };
  });
}

function intakePublishers(scope: Construct): IntakePublisherSetting[] {
  if (scope.node.tryGetContext('intakePrincipals') !== undefined && stringList(scope, 'intakePrincipals').length > 0) {
    throw new SettingsError(
      "context 'intakePrincipals' was replaced by 'intakePublishers': a list of {principal, source, tenants} that binds each publisher to the tenants it may send for (docs/security.md)",
    );
  }
  const raw = parseMaybeJson(scope.node.tryGetContext('intakePublishers'));
  if (raw === undefined || raw === null || raw === '') return [];
  if (!Array.isArray(raw)) throw new SettingsError(`context 'intakePublishers' must be a list of {principal, source, tenants}`);
  return raw.map((entry: unknown, i) => {
    const { principal, source, tenants } = (entry ?? {}) as Record<string, unknown>;
    if (typeof principal !== 'string' || (!/^\d{12}$/.test(principal) && !/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/./.test(principal))) {
      throw new SettingsError(`context 'intakePublishers[${i}].principal' must be a 12-digit account id or an IAM role/user ARN`);
    }
    if (typeof source !== 'string' || !/^[A-Za-z0-9._-]{1,256}$/.test(source) || source.startsWith('aws.') || source === 'mailroom') {
      throw new SettingsError(`context 'intakePublishers[${i}].source' must be the publisher's own event source (not aws.* and not mailroom)`);
    }
    if (!Array.isArray(tenants) || tenants.length === 0 || !tenants.every((t) => typeof t === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(t))) {
      throw new SettingsError(`context 'intakePublishers[${i}].tenants' must be a non-empty list of tenant ids`);
    }
    return { principal, source, tenants: tenants as string[] };
  });
}

function profile(scope: Construct): Profile {
  const raw = scope.node.tryGetContext('profile') ?? 'production';
  if (!(PROFILES as readonly string[]).includes(String(raw)))
    throw new SettingsError(`context 'profile' must be one of ${PROFILES.join(', ')}, got ${String(raw)}`);
  return raw as Profile;
}

function flag(scope: Construct, key: string, fallback: boolean): boolean {
  const raw = scope.node.tryGetContext(key) as unknown;
  if (raw === undefined || raw === null || raw === '') return fallback;
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new SettingsError(`context '${key}' must be true or false, got ${String(raw)}`);
}

function functionAlarms(scope: Construct): FunctionAlarmScope {
  const raw = scope.node.tryGetContext('functionAlarms') ?? 'account';
  if (!(FUNCTION_ALARM_SCOPES as readonly string[]).includes(String(raw)))
    throw new SettingsError(`context 'functionAlarms' must be one of ${FUNCTION_ALARM_SCOPES.join(', ')}, got ${String(raw)}`);
  return raw as FunctionAlarmScope;
}

function mutedEvents(scope: Construct): string[] {
  const raw = scope.node.tryGetContext('mutedEvents') as unknown;
  if (raw === undefined || raw === null) return [...DEFAULT_MUTED_EVENTS];
  if (raw === 'none' || raw === '') return [];
  const list = stringList(scope, 'mutedEvents');
  for (const type of list) {
    const refusal = mutedEventRefusal(type);
    if (refusal) throw new SettingsError(`context 'mutedEvents': ${refusal}`);
  }
  return list;
}

function laneMaxAge(scope: Construct): Partial<Record<Lane, number>> {
  const raw = parseMaybeJson(scope.node.tryGetContext('laneMaxAgeSeconds'));
  if (raw === undefined || raw === null || raw === '') return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new SettingsError(`context 'laneMaxAgeSeconds' must be an object {lane: seconds}`);
  const out: Partial<Record<Lane, number>> = {};
  for (const [lane, seconds] of Object.entries(raw as Record<string, unknown>)) {
    if (!isLane(lane)) throw new SettingsError(`context 'laneMaxAgeSeconds' names unknown lane '${lane}' (lanes: ${LANE_NAMES.join(', ')})`);
    const value = Number(seconds);
    if (!Number.isInteger(value) || value <= 0) throw new SettingsError(`context 'laneMaxAgeSeconds.${lane}' must be a positive integer`);
    out[lane] = value;
  }
  return out;
}

/** Reads and validates every context value Mailroom understands; a typo fails the synth. */
export function readSettings(scope: Construct): MailroomSettings {
  const settings: MailroomSettings = {
    attachmentRetentionDays: positiveInt(scope, 'attachmentRetentionDays', DEFAULT_SETTINGS.attachmentRetentionDays),
    apiRateLimit: positiveInt(scope, 'apiRateLimit', DEFAULT_SETTINGS.apiRateLimit),
    apiBurstLimit: positiveInt(scope, 'apiBurstLimit', DEFAULT_SETTINGS.apiBurstLimit),
    smtpSecretArn: optionalString(scope, 'smtpSecretArn'),
    publicApiUrl: optionalString(scope, 'publicApiUrl'),
    profile: profile(scope),
    intakePublishers: intakePublishers(scope),
    webhooks: webhooks(scope),
    alarmEmail: optionalString(scope, 'alarmEmail'),
    pageTopicArn: optionalString(scope, 'pageTopicArn'),
    ticketTopicArn: optionalString(scope, 'ticketTopicArn'),
    noAlarmDestination: optionalString(scope, 'alarmDestination') === 'none',
    sendingIdentities: stringList(scope, 'sendingIdentities'),
    criticalReservedConcurrency: positiveInt(scope, 'criticalReservedConcurrency', DEFAULT_SETTINGS.criticalReservedConcurrency, true),
    trackingDomain: optionalString(scope, 'trackingDomain'),
    ...(scope.node.tryGetContext('sesDailyQuota') !== undefined ? { sesDailyQuota: positiveInt(scope, 'sesDailyQuota', 1) } : {}),
    publicRouteRateLimit: positiveInt(scope, 'publicRouteRateLimit', DEFAULT_SETTINGS.publicRouteRateLimit),
    publicRouteBurstLimit: positiveInt(scope, 'publicRouteBurstLimit', DEFAULT_SETTINGS.publicRouteBurstLimit),
    laneMaxAgeSeconds: laneMaxAge(scope),
    dashboard: flag(scope, 'dashboard', false),
    functionAlarms: functionAlarms(scope),
    mutedEvents: mutedEvents(scope),
    eventArchiveDays: positiveInt(scope, 'eventArchiveDays', DEFAULT_SETTINGS.eventArchiveDays, true),
    sesEventDestination: String(scope.node.tryGetContext('sesEventDestination') ?? true) !== 'false',
  };
  for (const key of ['pageTopicArn', 'ticketTopicArn'] as const) {
    const arn = settings[key];
    if (arn && !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/.test(arn)) throw new SettingsError(`context '${key}' must be an SNS topic ARN`);
  }
  for (const identity of settings.sendingIdentities) {
    if (identity !== '*' && !/^[^\s@/*]+(@[^\s@/*]+)?$/.test(identity)) {
      throw new SettingsError(`context 'sendingIdentities' entry '${identity}' is neither a domain, an email address nor *`);
    }
  }
  if (settings.smtpSecretArn && !settings.smtpSecretArn.startsWith('arn:')) {
    throw new SettingsError(`context 'smtpSecretArn' must be a complete Secrets Manager ARN`);
  }
  return settings;
}

/**
 * The production profile refuses to synthesize what would deploy deaf or over-privileged: no alarm
 * destination (unless `-c alarmDestination=none`), no sending identities (unless `*`, on purpose).
 */
export function assertProductionReady(settings: MailroomSettings): void {
  if (settings.profile !== 'production') return;
  const problems: string[] = [];
  if (!settings.alarmEmail && !settings.pageTopicArn && !settings.noAlarmDestination) {
    problems.push(
      'no alarm destination: pass -c alarmEmail=ops@example.com and/or -c pageTopicArn=arn:aws:sns:…, or -c alarmDestination=none to deploy without one on purpose',
    );
  }
  if (settings.sendingIdentities.length === 0) {
    problems.push(
      "no SES sending identities: pass -c sendingIdentities=example.com,alerts@example.org (the senders may send from these only), or -c sendingIdentities='*' for every identity of the account on purpose",
    );
  }
  if (!settings.sesDailyQuota && !settings.noAlarmDestination) {
    problems.push('no SES daily quota for the send-quota alarms: pass -c sesDailyQuota=<Max24HourSend from `aws sesv2 get-account`>');
  }
  if (problems.length > 0) {
    throw new SettingsError(
      `Mailroom will not synthesize a production stack with:\n  - ${problems.join('\n  - ')}\n(For a development synth use -c profile=development; docs/deploy.md has the production checklist.)`,
    );
  }
}
