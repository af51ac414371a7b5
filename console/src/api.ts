/** A tiny typed client for Mailroom's public API (the only thing the console talks to). */
import type { Lane } from '#shared/config/lanes';
import type { Status } from '#shared/domain/status';

export interface List<T> {
  readonly object: 'list';
  readonly data: T[];
  readonly has_more?: boolean;
  readonly next_cursor?: string;
}

// Response shapes come from the API's own code (shared/http/responses.ts), never a copy.
import type {
  ActivityView,
  ApiKeySummary,
  DomainSummary,
  DomainView,
  WebhookAttemptView,
  WebhookEventSummary,
  WebhookSummary,
  WebhookView,
  DlqMessage,
  EmailSummary,
  EmailView,
  LaneStatus,
  RedriveResult,
  SuppressionView as Suppression,
  TemplateView as Template,
} from '#shared/http/responses';

export type { ActivityView, DlqMessage, EmailEvent, EmailSummary, EmailView, LaneStatus, RedriveResult } from '#shared/http/responses';
export type { Suppression, Template };
export type { ApiKeySummary, DomainSummary, DomainView, WebhookAttemptView, WebhookEventSummary, WebhookSummary, WebhookView } from '#shared/http/responses';

export interface TemplatePreview {
  readonly id: string;
  readonly version: number | string;
  readonly subject: string;
  readonly html: string;
  readonly text?: string;
}

/** `GET /emails/metrics` (Resend's `emails.metrics`): totals, and one row per period with `dimensions=period`. */
export interface EmailMetrics {
  readonly object: 'metrics';
  readonly start_date: string;
  readonly end_date: string;
  readonly granularity: string;
  readonly totals: Record<string, number | undefined>;
  readonly data?: Array<Record<string, number | undefined> & { period?: string }>;
}

/** `GET /health`: the sending verdict, the SES breaker and why it is not `ok`. */
export interface Health {
  readonly status: 'ok' | 'degraded' | 'down';
  readonly providers?: { readonly ses?: string; readonly smtp?: string };
  readonly breaker?: { readonly ses?: { readonly state?: string; readonly openUntil?: string } };
  readonly stuckEmails?: number | null;
  readonly reasons?: string[];
}

/** An error answer of the API (`{statusCode, name, message}`), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type Query = Record<string, string | number | undefined>;

export class MailroomApi {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  /** The signed-in key's first nine characters, as `GET /api-keys` lists them (`prefix`). */
  get keyPrefix(): string {
    return this.apiKey.slice(0, 9);
  }

  /** `text`: the answer's body as text (`GET /emails/{id}/raw`), not parsed JSON. */
  async request<T>(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    options: { query?: Query; body?: unknown; accept?: number[]; text?: boolean } = {},
  ): Promise<T> {
    const url = new URL(this.baseUrl.replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.apiKey}`,
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      });
    } catch (error) {
      throw new ApiError(0, 'network_error', `Mailroom's API at ${this.baseUrl} could not be reached (${(error as Error).message}).`);
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!res.ok && !options.accept?.includes(res.status)) {
      const b = (body ?? {}) as { name?: string; message?: string };
      throw new ApiError(res.status, b.name ?? 'http_error', b.message ?? `${res.status} ${res.statusText}`);
    }
    return (options.text ? text : body) as T;
  }

  listEmails(query: Query) {
    return this.request<List<EmailSummary>>('GET', '/emails', { query });
  }
  getEmail(id: string) {
    return this.request<EmailView>('GET', `/emails/${encodeURIComponent(id)}`);
  }
  /** `GET /emails/{id}/raw` (Mailroom): the MIME message, as text. */
  rawEmail(id: string) {
    return this.request<string>('GET', `/emails/${encodeURIComponent(id)}/raw`, { text: true });
  }
  /** `GET /activity` (Mailroom): the tenant's notable events, newest first. */
  activity(query: Query) {
    return this.request<List<ActivityView>>('GET', '/activity', { query });
  }
  cancelEmail(id: string) {
    return this.request<{ id: string }>('POST', `/emails/${encodeURIComponent(id)}/cancel`);
  }
  rescheduleEmail(id: string, scheduledAt: string) {
    return this.request<{ id: string }>('PATCH', `/emails/${encodeURIComponent(id)}`, { body: { scheduled_at: scheduledAt } });
  }
  sendEmail(body: Record<string, unknown>) {
    return this.request<{ id: string }>('POST', '/emails', { body });
  }
  metrics(query: Query) {
    return this.request<EmailMetrics>('GET', '/emails/metrics', { query });
  }
  /** `GET /health` (public): 503 is an answer too (no provider can send), not a failure to ask. */
  health() {
    return this.request<Health>('GET', '/health', { accept: [503] });
  }
  lanes() {
    return this.request<List<LaneStatus>>('GET', '/lanes');
  }
  dlq(lane: Lane) {
    return this.request<List<DlqMessage>>('GET', `/lanes/${lane}/dlq`, { query: { limit: 50 } });
  }
  redrive(lane: Lane) {
    return this.request<RedriveResult>('POST', `/lanes/${lane}/dlq/redrive`);
  }
  templates(query: Query) {
    return this.request<List<Template>>('GET', '/templates', { query });
  }
  renderTemplate(id: string, variables: Record<string, unknown> | undefined) {
    return this.request<TemplatePreview>('POST', `/templates/${encodeURIComponent(id)}/render`, { body: variables ? { variables } : {} });
  }
  suppressions(query: Query) {
    return this.request<List<Suppression>>('GET', '/suppressions', { query });
  }
  addSuppression(body: { email: string; reason?: string; scope?: string }) {
    return this.request<Suppression>('POST', '/suppressions', { body });
  }
  removeSuppression(email: string) {
    return this.request<{ deleted: boolean }>('DELETE', `/suppressions/${encodeURIComponent(email)}`);
  }
  webhooks(query: Query) {
    return this.request<List<WebhookSummary>>('GET', '/webhooks', { query });
  }
  webhook(id: string) {
    return this.request<WebhookView>('GET', `/webhooks/${encodeURIComponent(id)}`);
  }
  createWebhook(body: { endpoint: string; events: string[] }) {
    return this.request<{ id: string; signing_secret: string }>('POST', '/webhooks', { body });
  }
  updateWebhook(id: string, body: { events?: string[]; status?: 'enabled' | 'disabled' }) {
    return this.request<{ id: string }>('PATCH', `/webhooks/${encodeURIComponent(id)}`, { body });
  }
  deleteWebhook(id: string) {
    return this.request<{ id: string; deleted: boolean }>('DELETE', `/webhooks/${encodeURIComponent(id)}`);
  }
  rotateWebhookSecret(id: string) {
    return this.request<{ id: string; signing_secret: string }>('POST', `/webhooks/${encodeURIComponent(id)}/signing-secret/rotate`);
  }
  webhookEvents(id: string, query: Query) {
    return this.request<List<WebhookEventSummary>>('GET', `/webhooks/${encodeURIComponent(id)}/events`, { query });
  }
  webhookAttempts(id: string, eventId: string, query: Query) {
    return this.request<List<WebhookAttemptView>>('GET', `/webhooks/${encodeURIComponent(id)}/events/${encodeURIComponent(eventId)}/attempts`, { query });
  }
  replayWebhookEvent(id: string, eventId: string) {
    return this.request<{ id: string }>('POST', `/webhooks/${encodeURIComponent(id)}/events/${encodeURIComponent(eventId)}/replay`);
  }
  domains(query: Query) {
    return this.request<List<DomainSummary>>('GET', '/domains', { query });
  }
  domain(id: string) {
    return this.request<DomainView>('GET', `/domains/${encodeURIComponent(id)}`);
  }
  createDomain(body: { name: string }) {
    return this.request<DomainView>('POST', '/domains', { body });
  }
  updateDomain(id: string, body: { open_tracking?: boolean; click_tracking?: boolean; tls?: 'enforced' | 'opportunistic' }) {
    return this.request<{ id: string }>('PATCH', `/domains/${encodeURIComponent(id)}`, { body });
  }
  verifyDomain(id: string) {
    return this.request<{ id: string }>('POST', `/domains/${encodeURIComponent(id)}/verify`);
  }
  deleteDomain(id: string) {
    return this.request<{ id: string; deleted: boolean }>('DELETE', `/domains/${encodeURIComponent(id)}`);
  }
  apiKeys(query: Query) {
    return this.request<List<ApiKeySummary>>('GET', '/api-keys', { query });
  }
  createApiKey(body: { name: string; permission: 'full_access' | 'sending_access'; domain_id?: string }) {
    return this.request<{ id: string; token: string }>('POST', '/api-keys', { body });
  }
  revokeApiKey(id: string) {
    return this.request<{ id: string; deleted: boolean }>('DELETE', `/api-keys/${encodeURIComponent(id)}`);
  }
}

/**
 * Where the API is: `config.json` next to index.html (written at deploy time with `{apiUrl}`),
 * else the page's own origin (local mode serves the console from the API server).
 */
export async function loadApiUrl(): Promise<string> {
  try {
    const res = await fetch(`${import.meta.env.BASE_URL}config.json`, { cache: 'no-store' });
    if (res.ok) {
      const config = (await res.json()) as { apiUrl?: unknown };
      if (typeof config.apiUrl === 'string' && /^https?:\/\//.test(config.apiUrl)) return config.apiUrl.replace(/\/$/, '');
    }
  } catch {
    // absent or not JSON: same origin
  }
  return window.location.origin;
}
