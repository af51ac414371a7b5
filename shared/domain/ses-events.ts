/**
 * SES email events as the configuration set's EventBridge destination delivers them: an
 * EventBridge envelope (`source: aws.ses`, `detail-type: "Email Delivered"`, …) whose `detail` is
 * the SES event record (`eventType`, `mail`, and one type-specific object). The mapping table
 * below is the one place that says what each SES event means for a Mailroom email.
 */
import * as z from 'zod';
import type { Status } from './status';

const header = z.object({ name: z.string(), value: z.string() });

const sesMail = z.looseObject({
  timestamp: z.string(),
  messageId: z.string().min(1),
  source: z.string().optional(),
  destination: z.array(z.string()).default([]),
  headers: z.array(header).default([]),
  tags: z.record(z.string(), z.array(z.string())).default({}),
});

const recipient = z.looseObject({
  emailAddress: z.string(),
  status: z.string().optional(),
  diagnosticCode: z.string().optional(),
  action: z.string().optional(),
});

export const SES_EVENT_TYPES = [
  'Send',
  'Delivery',
  'DeliveryDelay',
  'Bounce',
  'Complaint',
  'Reject',
  'Rendering Failure',
  'Open',
  'Click',
  'Subscription',
] as const;
export type SesEventType = (typeof SES_EVENT_TYPES)[number];

/** The SES event record (EventBridge `detail`). */
export const sesEventRecordSchema = z.looseObject({
  eventType: z.enum(SES_EVENT_TYPES),
  mail: sesMail,
  send: z.looseObject({}).optional(),
  delivery: z.looseObject({ timestamp: z.string().optional(), recipients: z.array(z.string()).default([]), smtpResponse: z.string().optional() }).optional(),
  deliveryDelay: z
    .looseObject({
      timestamp: z.string().optional(),
      delayType: z.string().optional(),
      expirationTime: z.string().optional(),
      delayedRecipients: z.array(recipient).default([]),
    })
    .optional(),
  bounce: z
    .looseObject({
      bounceType: z.enum(['Permanent', 'Transient', 'Undetermined']),
      bounceSubType: z.string().optional(),
      bouncedRecipients: z.array(recipient).default([]),
      timestamp: z.string().optional(),
      feedbackId: z.string().optional(),
    })
    .optional(),
  complaint: z
    .looseObject({
      complainedRecipients: z.array(recipient).default([]),
      timestamp: z.string().optional(),
      feedbackId: z.string().optional(),
      complaintFeedbackType: z.string().optional(),
      complaintSubType: z.string().nullable().optional(),
    })
    .optional(),
  reject: z.looseObject({ reason: z.string().optional() }).optional(),
  failure: z.looseObject({ errorMessage: z.string().optional(), templateName: z.string().optional() }).optional(),
  open: z.looseObject({ timestamp: z.string().optional(), ipAddress: z.string().optional(), userAgent: z.string().optional() }).optional(),
  click: z
    .looseObject({ timestamp: z.string().optional(), link: z.string().optional(), ipAddress: z.string().optional(), userAgent: z.string().optional() })
    .optional(),
  subscription: z
    .looseObject({
      timestamp: z.string().optional(),
      contactList: z.string().optional(),
      source: z.string().optional(),
      newTopicPreferences: z.looseObject({ unsubscribeAll: z.boolean().optional() }).optional(),
    })
    .optional(),
});
export type SesEventRecord = z.infer<typeof sesEventRecordSchema>;

/** The EventBridge envelope around an SES event. */
export const sesEventBridgeEventSchema = z.looseObject({
  id: z.string().min(1),
  'detail-type': z.string(),
  source: z.literal('aws.ses'),
  time: z.string().optional(),
  detail: sesEventRecordSchema,
});
export type SesEventBridgeEvent = z.infer<typeof sesEventBridgeEventSchema>;

/** Mailroom's reading of one SES event. */
export interface DeliveryEvent {
  /** Stable id for de-duplication (the EventBridge event id). */
  readonly eventId: string;
  readonly sesType: SesEventType;
  /** History entry type (`delivered`, `bounced`, `soft_bounced`, …). */
  readonly historyType: string;
  /** Status the email moves to, when the transition table allows it (forward only). */
  readonly status?: Status;
  /** Outbound detail-type on the Mailroom bus, if any. */
  readonly detailType?: string;
  readonly at: string;
  /** Bare recipient addresses the event is about. */
  readonly recipients: string[];
  /** Addresses to add to the tenant's suppression list. */
  readonly suppress?: { readonly reason: 'bounce' | 'complaint' | 'unsubscribe'; readonly scope: 'all' | 'marketing'; readonly addresses: string[] };
  /** Where to find the email. */
  readonly emailId?: string;
  readonly tenantId?: string;
  readonly providerMessageId: string;
  readonly detail: Record<string, unknown>;
}

export const CORRELATION_TAG = 'mailroom_email_id';
export const CORRELATION_HEADER_NAME = 'x-mailroom-email-id';

/** The Mailroom email id an SES event belongs to: the message tag, else the correlation header. */
export function emailIdOf(record: SesEventRecord): string | undefined {
  const tag = record.mail.tags[CORRELATION_TAG]?.[0];
  if (tag) return tag;
  return record.mail.headers.find((h) => h.name.toLowerCase() === CORRELATION_HEADER_NAME)?.value.trim() || undefined;
}

const bare = (address: string) => {
  const m = /<([^>]+)>/.exec(address);
  return (m ? m[1]! : address).trim().toLowerCase();
};

const compact = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null && v !== ''));

/** Maps an SES event (EventBridge form) to what it means for the Mailroom email. */
export function mapSesEvent(event: SesEventBridgeEvent): DeliveryEvent {
  const r = event.detail;
  const base = {
    eventId: event.id,
    sesType: r.eventType,
    providerMessageId: r.mail.messageId,
    ...(emailIdOf(r) ? { emailId: emailIdOf(r)! } : {}),
    ...(r.mail.tags.mailroom_tenant?.[0] ? { tenantId: r.mail.tags.mailroom_tenant[0] } : {}),
  };
  const when = (t: string | undefined) => t ?? event.time ?? r.mail.timestamp;
  switch (r.eventType) {
    case 'Send':
      // The sender records `sent` itself; a Send event only confirms SES took the message.
      return { ...base, historyType: 'ses_accepted', at: when(r.mail.timestamp), recipients: r.mail.destination.map(bare), detail: {} };
    case 'Delivery':
      return {
        ...base,
        historyType: 'delivered',
        status: 'delivered',
        detailType: 'Email Delivered',
        at: when(r.delivery?.timestamp),
        recipients: (r.delivery?.recipients ?? []).map(bare),
        detail: compact({ smtp_response: r.delivery?.smtpResponse }),
      };
    case 'DeliveryDelay':
      return {
        ...base,
        historyType: 'delivery_delayed',
        status: 'delivery_delayed',
        detailType: 'Email Delivery Delayed',
        at: when(r.deliveryDelay?.timestamp),
        recipients: (r.deliveryDelay?.delayedRecipients ?? []).map((x) => bare(x.emailAddress)),
        detail: compact({ delay_type: r.deliveryDelay?.delayType, expires_at: r.deliveryDelay?.expirationTime }),
      };
    case 'Bounce': {
      const b = r.bounce!;
      const recipients = b.bouncedRecipients.map((x) => bare(x.emailAddress));
      const permanent = b.bounceType === 'Permanent';
      return {
        ...base,
        historyType: permanent ? 'bounced' : 'soft_bounced',
        status: 'bounced',
        detailType: 'Email Bounced',
        at: when(b.timestamp),
        recipients,
        ...(permanent ? { suppress: { reason: 'bounce' as const, scope: 'all' as const, addresses: recipients } } : {}),
        detail: compact({
          bounce_type: b.bounceType.toLowerCase(),
          bounce_subtype: b.bounceSubType,
          diagnostic: b.bouncedRecipients[0]?.diagnosticCode,
          feedback_id: b.feedbackId,
        }),
      };
    }
    case 'Complaint': {
      const c = r.complaint!;
      const recipients = c.complainedRecipients.map((x) => bare(x.emailAddress));
      return {
        ...base,
        historyType: 'complained',
        status: 'complained',
        detailType: 'Email Complained',
        at: when(c.timestamp),
        recipients,
        suppress: { reason: 'complaint', scope: 'all', addresses: recipients },
        detail: compact({ feedback_type: c.complaintFeedbackType, feedback_id: c.feedbackId }),
      };
    }
    case 'Reject':
      // Post-send statuses never go back (transition table): recorded and reported, status kept.
      return {
        ...base,
        historyType: 'rejected',
        detailType: 'Email Failed',
        at: when(undefined),
        recipients: r.mail.destination.map(bare),
        detail: compact({ reason: 'rejected', code: 'Rejected', message: r.reject?.reason }),
      };
    case 'Rendering Failure':
      return {
        ...base,
        historyType: 'rendering_failed',
        detailType: 'Email Failed',
        at: when(undefined),
        recipients: r.mail.destination.map(bare),
        detail: compact({ reason: 'rendering_failure', code: 'RenderingFailure', message: r.failure?.errorMessage }),
      };
    case 'Open':
      return {
        ...base,
        historyType: 'opened',
        status: 'opened',
        detailType: 'Email Opened',
        at: when(r.open?.timestamp),
        recipients: r.mail.destination.map(bare),
        detail: compact({ user_agent: r.open?.userAgent }),
      };
    case 'Click':
      return {
        ...base,
        historyType: 'clicked',
        status: 'clicked',
        detailType: 'Email Clicked',
        at: when(r.click?.timestamp),
        recipients: r.mail.destination.map(bare),
        detail: compact({ link: r.click?.link, user_agent: r.click?.userAgent }),
      };
    case 'Subscription': {
      const s = r.subscription;
      const recipients = r.mail.destination.map(bare);
      const unsubscribed = s?.newTopicPreferences?.unsubscribeAll === true;
      return {
        ...base,
        historyType: unsubscribed ? 'unsubscribed' : 'subscription_changed',
        at: when(s?.timestamp),
        recipients,
        ...(unsubscribed ? { suppress: { reason: 'unsubscribe' as const, scope: 'marketing' as const, addresses: recipients } } : {}),
        detail: compact({ source: s?.source, contact_list: s?.contactList }),
      };
    }
  }
}
