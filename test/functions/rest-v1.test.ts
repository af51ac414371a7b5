import { describe, expect, it } from 'vitest';
import { withApi } from '#shared/http/middy';
import { fromRestV1, isRestV1Event, restAwareAuthorizer } from '#shared/http/rest-v1';
import type { ApiEvent } from '#shared/http/api';
import { makeSchedulesHandler } from '#functions/schedules/app';
import { lambdaContext } from '#test/support/api-event';

/** A REST API (v1) Lambda proxy event, as the LocalStack profile's API Gateway sends it. */
const restEvent = {
  resource: '/emails/{id}',
  path: '/emails/em_1',
  httpMethod: 'GET',
  headers: { Authorization: 'Bearer mr_x', 'Content-Type': 'application/json' },
  multiValueHeaders: {},
  queryStringParameters: { limit: '2' },
  multiValueQueryStringParameters: { limit: ['2'], tag: ['a', 'b'] },
  pathParameters: { id: 'em_1' },
  body: null,
  isBase64Encoded: false,
  requestContext: {
    requestId: 'req-1',
    stage: 'v1',
    identity: { sourceIp: '203.0.113.9' },
    authorizer: { principalId: 'acme', tenantId: 'acme', scopes: 'emails:send', integrationLatency: 3 },
  },
};

describe('REST API (v1) events behind the LocalStack profile', () => {
  it('become the HTTP API (v2) shape the functions read: route key, lower-case headers, query, authorizer context', () => {
    expect(isRestV1Event(restEvent)).toBe(true);
    const v2 = fromRestV1(restEvent);
    expect(v2.routeKey).toBe('GET /emails/{id}');
    expect(v2.headers).toEqual({ authorization: 'Bearer mr_x', 'content-type': 'application/json' });
    expect(v2.queryStringParameters).toEqual({ limit: '2', tag: 'a,b' });
    expect(v2.rawQueryString).toBe('limit=2&tag=a&tag=b');
    expect(v2.pathParameters).toEqual({ id: 'em_1' });
    expect(v2.requestContext.authorizer.lambda).toEqual({ tenantId: 'acme', scopes: 'emails:send' });
    expect(v2.requestContext.requestId).toBe('req-1');
    expect(v2.requestContext.http.method).toBe('GET');
    expect(isRestV1Event(v2)).toBe(false);
  });

  it('reach a handler wrapped by withApi already converted', async () => {
    let seen: ApiEvent | undefined;
    const handler = withApi(async (event) => {
      seen = event;
      return { statusCode: 200, headers: {}, body: '{}' };
    });
    await handler(restEvent as unknown as ApiEvent, lambdaContext());
    expect(seen?.routeKey).toBe('GET /emails/{id}');
    expect(seen?.requestContext.authorizer.lambda.tenantId).toBe('acme');
  });

  it('answer a REST authorizer call with an IAM policy for the method and the same context, and an HTTP API call as before', async () => {
    const authorize = restAwareAuthorizer(async () => ({ isAuthorized: true, context: { tenantId: 'acme', scopes: 'emails:send' } }));
    const methodArn = 'arn:aws:execute-api:us-east-1:000000000000:abc/v1/GET/emails';
    expect(await authorize({ headers: {}, methodArn })).toEqual({
      principalId: 'acme',
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: methodArn }] },
      context: { tenantId: 'acme', scopes: 'emails:send' },
    });
    expect(await authorize({ headers: {} })).toEqual({ isAuthorized: true, context: { tenantId: 'acme', scopes: 'emails:send' } });
    const anonymous = restAwareAuthorizer(async () => ({ isAuthorized: true, context: { tenantId: '', denied: 'missing' } }));
    expect(await anonymous({ headers: {}, methodArn })).toMatchObject({ principalId: 'anonymous', context: { tenantId: '', denied: 'missing' } });
  });
});

describe('schedules tick (LocalStack profile: table-backed schedules)', () => {
  it('puts every due schedule into its lane queue and removes it, leaving later ones', async () => {
    const now = new Date('2026-01-01T10:00:00Z');
    const items = [
      { emailId: 'a', lane: 'critical', dueAt: '2026-01-01T09:59:00.000Z', message: { emailId: 'a', tenantId: 't', scheduleVersion: 1 } },
      { emailId: 'b', lane: 'bulk', dueAt: '2026-01-01T10:00:00.000Z', message: { emailId: 'b', tenantId: 't', scheduleVersion: 2 } },
      { emailId: 'c', lane: 'bulk', dueAt: '2026-01-01T11:00:00.000Z', message: { emailId: 'c', tenantId: 't', scheduleVersion: 1 } },
    ];
    const enqueued: Array<{ lane: string; emailId: string }> = [];
    const handler = makeSchedulesHandler({
      scheduler: {
        due: async (at: Date) => items.filter((i) => Date.parse(i.dueAt) <= at.getTime()) as never,
        remove: async (item) => {
          items.splice(
            items.findIndex((i) => i.emailId === item.emailId),
            1,
          );
        },
      },
      queue: { enqueue: async (lane, message) => void enqueued.push({ lane, emailId: message.emailId }) },
      clock: { now: () => now },
    });
    expect(await handler()).toEqual({ fired: 2 });
    expect(enqueued).toEqual([
      { lane: 'critical', emailId: 'a' },
      { lane: 'bulk', emailId: 'b' },
    ]);
    expect(items.map((i) => i.emailId)).toEqual(['c']);
  });
});
