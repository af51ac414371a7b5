import * as z from 'zod';

/**
 * Who may request mail for which tenants through the EventBridge intake. The CDK app writes the
 * same list into the bus policy (a publisher may put only "Email Requested" events with its own
 * `source`) and into the intake function's environment, where every event is checked again:
 * the event's `account` and `source` must belong to a binding that lists `detail.tenant`.
 */
export const publisherBindingSchema = z.object({
  /** The AWS account the publisher puts events from (the event's `account`). */
  account: z.string().regex(/^\d{12}$/, 'a 12-digit account id'),
  /** The `source` its events carry (the bus policy lets it use no other). */
  source: z.string().min(1),
  tenants: z.array(z.string().min(1)).min(1),
});
export type PublisherBinding = z.infer<typeof publisherBindingSchema>;

/** Undefined when the event may be accepted; otherwise why not (said to the operator, in logs and metrics). */
export function publisherRefusal(
  bindings: readonly PublisherBinding[],
  event: { readonly account?: string | undefined; readonly source?: string | undefined; readonly tenant: string },
): string | undefined {
  const { account, source, tenant } = event;
  const bound = bindings.some((b) => b.account === account && b.source === source && b.tenants.includes(tenant));
  if (bound) return undefined;
  return `No intake publisher (account ${account ?? '?'}, source ${source ?? '?'}) is bound to tenant ${tenant}; see intakePublishers in docs/security.md.`;
}
