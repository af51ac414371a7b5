import { type LaneDelivery, prepareBatch, type SendEmailDeps, type SendOutcome } from '#shared/use-cases/send-email';

/** One delivery through the sender's batch entry point (a batch of one), as production runs it. */
export async function sendOne(deps: SendEmailDeps, delivery: LaneDelivery): Promise<SendOutcome> {
  const send = await prepareBatch(deps, new Map([['only', delivery]]));
  return send('only');
}
