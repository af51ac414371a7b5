import { UNSUBSCRIBE_TOKEN_DAYS, createUnsubscribeToken, verifyUnsubscribeToken, type UnsubscribeClaims } from '#shared/domain/unsubscribe-token';
import { LANES } from '#shared/config/lanes';
import { normalizeAddress, parseAddress } from '#shared/domain/address';
import type { EmailRecord } from '#shared/domain/email';
import type { Clock, ContentBuilder, EmailContent } from '#shared/ports/index';
import type { SuppressionStore } from '#shared/ports/suppression-store';

export interface UnsubscribeDeps {
  readonly suppressions: SuppressionStore;
  readonly clock: Clock;
  readonly signingKey: () => Promise<string>;
}

/** Checks a token without acting on it (the GET confirmation page). */
export async function checkUnsubscribeToken(deps: Pick<UnsubscribeDeps, 'clock' | 'signingKey'>, token: string): Promise<UnsubscribeClaims> {
  return verifyUnsubscribeToken(await deps.signingKey(), token, deps.clock.now());
}

/**
 * One-click unsubscribe (RFC 8058).
 *
 * Primary course: verify the signed token (403 when tampered or expired) → put the address on the
 * tenant's suppression list with scope `marketing`, so only unsubscribable lanes (marketing, bulk)
 * stop mailing it. Repeating it is harmless; an existing `all` entry stays `all`.
 */
export async function unsubscribe(deps: UnsubscribeDeps, token: string): Promise<UnsubscribeClaims> {
  const claims = await checkUnsubscribeToken(deps, token);
  await deps.suppressions.put({
    tenantId: claims.tenantId,
    address: claims.address,
    reason: 'unsubscribe',
    scope: 'marketing',
    ...(claims.emailId ? { sourceEmailId: claims.emailId } : {}),
    createdAt: deps.clock.now().toISOString(),
  });
  return claims;
}

/** The HTTPS one-click link for a recipient of an email. */
export async function unsubscribeUrl(
  deps: { signingKey: () => Promise<string>; clock: Clock; baseUrl: string },
  input: { tenantId: string; address: string; emailId: string },
): Promise<string> {
  const expiresAt = Math.floor(deps.clock.now().getTime() / 1000) + UNSUBSCRIBE_TOKEN_DAYS * 86_400;
  const token = createUnsubscribeToken(await deps.signingKey(), {
    tenantId: input.tenantId,
    address: input.address,
    scope: 'marketing',
    emailId: input.emailId,
    expiresAt,
  });
  return `${deps.baseUrl.replace(/\/+$/, '')}/unsubscribe/${token}`;
}

/**
 * One-click unsubscribe links for the sender. On lanes that honour unsubscribes (marketing, bulk)
 * `wrap` adds RFC 8058 `List-Unsubscribe` (signed HTTPS link + mailto) and `List-Unsubscribe-Post`
 * to what the inner ContentBuilder built, and `variables` gives templates the same link as
 * `unsubscribe_url` (pass it as the template builder's extraVariables). Other lanes pass through.
 * The link names the first `to` recipient: send marketing mail one recipient per email.
 */
export function unsubscribeLinks(deps: { signingKey: () => Promise<string>; clock: Clock; baseUrl: string }) {
  // One link per email object: the headers and the template variable carry the same token.
  const links = new WeakMap<EmailRecord, Promise<string | undefined>>();
  const linkFor = (email: EmailRecord): Promise<string | undefined> => {
    let link = links.get(email);
    if (!link) {
      const recipient = email.to.map((t) => normalizeAddress(t)).find((a): a is string => a !== undefined);
      link =
        LANES[email.lane].unsubscribable && recipient
          ? unsubscribeUrl(deps, { tenantId: email.tenantId, address: recipient, emailId: email.id })
          : Promise.resolve(undefined);
      links.set(email, link);
    }
    return link;
  };
  return {
    async variables(email: EmailRecord): Promise<Record<string, unknown>> {
      const url = await linkFor(email);
      return url ? { unsubscribe_url: url } : {};
    },
    wrap(inner: ContentBuilder): ContentBuilder {
      return {
        async build(email: EmailRecord): Promise<EmailContent> {
          const url = await linkFor(email);
          const content = await inner.build(email);
          if (!url) return content;
          const domain = parseAddress(email.from)?.domain;
          return {
            ...content,
            headers: {
              ...content.headers,
              'List-Unsubscribe': domain ? `<${url}>, <mailto:unsubscribe@${domain}?subject=unsubscribe>` : `<${url}>`,
              'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
            },
          };
        },
      };
    },
  };
}
