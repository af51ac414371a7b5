/**
 * Attachments expire with their email: each S3 object is tagged with the smallest retention class
 * (days) that covers its tenant's retentionDays, and the bucket has one lifecycle rule per class.
 * An attachment therefore outlives its email record by less than the gap to the next class, and
 * never outlives the stack's `attachmentRetentionDays` (the bucket's catch-all rule).
 */
export const ATTACHMENT_RETENTION = {
  tagKey: 'mailroom-retention-days',
  classes: [1, 3, 7, 14, 30, 60, 90, 180, 365, 730, 1095, 1825, 3650],
} as const;

/** The retention class (days) for an attachment that must live `days` days. */
export function attachmentRetentionClass(days: number): number {
  const wanted = Math.max(1, Math.ceil(days));
  return ATTACHMENT_RETENTION.classes.find((c) => c >= wanted) ?? ATTACHMENT_RETENTION.classes[ATTACHMENT_RETENTION.classes.length - 1]!;
}

/**
 * Days an activity-log item (`GET /activity`) is kept at most. An email's items also expire with the
 * email itself (the tenant's retentionDays), so the log never outlives the mail it points at.
 */
export const ACTIVITY_RETENTION_DAYS = 30;
