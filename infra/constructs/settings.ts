import type { Construct } from 'constructs';
import { LANE_NAMES, isLane, type Lane } from '#shared/config/lanes';

/** One per-tenant webhook: Mailroom bus events whose `detail.tenant` matches are POSTed to `url`. */
export interface WebhookSetting {
  readonly tenant: string;
  readonly url: string;
  /** Secrets Manager secret whose SecretString is the API key sent in `apiKeyHeader`. */
  readonly apiKeySecretArn: string;
  /** Header that carries the API key. */
  readonly apiKeyHeader: string;
}

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
  readonly intakePrincipals: readonly string[];
  readonly webhooks: readonly WebhookSetting[];
  readonly alarmEmail?: string;
  readonly laneMaxAgeSeconds: Partial<Record<Lane, number>>;
  readonly eventArchiveDays: number;
  /**
   * Publish SES events of the configuration set to the default EventBridge bus (delivery tracking).
   * LocalStack's community edition cannot create that destination: `-c sesEventDestination=false`.
   */
  readonly sesEventDestination: boolean;
}

export const DEFAULT_SETTINGS = {
  attachmentRetentionDays: 30,
  apiRateLimit: 200,
  apiBurstLimit: 400,
  eventArchiveDays: 0,
} as const;

class SettingsError extends Error {
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
    intakePrincipals: stringList(scope, 'intakePrincipals'),
    webhooks: webhooks(scope),
    alarmEmail: optionalString(scope, 'alarmEmail'),
    laneMaxAgeSeconds: laneMaxAge(scope),
    eventArchiveDays: positiveInt(scope, 'eventArchiveDays', DEFAULT_SETTINGS.eventArchiveDays, true),
    sesEventDestination: String(scope.node.tryGetContext('sesEventDestination') ?? true) !== 'false',
  };
  for (const p of settings.intakePrincipals) {
    if (!/^\d{12}$/.test(p) && !/^arn:aws[a-z-]*:iam::\d{12}:(role|user|root)/.test(p)) {
      throw new SettingsError(`context 'intakePrincipals' entry '${p}' is neither a 12-digit account id nor an IAM role/user ARN`);
    }
  }
  if (settings.smtpSecretArn && !settings.smtpSecretArn.startsWith('arn:')) {
    throw new SettingsError(`context 'smtpSecretArn' must be a complete Secrets Manager ARN`);
  }
  return settings;
}
