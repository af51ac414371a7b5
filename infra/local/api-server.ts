/**
 * Local stand-in for API Gateway (HTTP API, payload 2.0): turns HTTP requests into the same
 * events API Gateway sends, runs the real authorizer and the real handlers, and writes their
 * answers back. Routes come from infra/definitions.ts, like the CDK app's.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';
import { errorBody } from '#shared/http/api';
import { redactAddressesIn } from '#shared/observability/redact';
import { AUTHORIZER_CACHE_SECONDS, ROUTES, type FunctionName } from '../definitions';

type AnyHandler = (event: any, context: Context) => Promise<any>;

export interface LocalApiOptions {
  readonly port: number;
  readonly host?: string;
  readonly functions: Partial<Record<FunctionName, AnyHandler>>;
  /** Extra handlers for paths outside the API (the console's static files). */
  readonly staticHandler?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** Largest body the server reads; API Gateway's own limit is 10 MB. */
  readonly maxBodyBytes?: number;
  /**
   * How long an authorizer answer is reused for the same Authorization header, like API Gateway's
   * authorizer cache (default AUTHORIZER_CACHE_SECONDS; 0 = ask the authorizer on every request).
   */
  readonly authorizerCacheSeconds?: number;
}

type AuthorizerAnswer = { isAuthorized?: boolean; context?: Record<string, unknown> } | undefined;

/** Most cached answers kept; API Gateway's cache is bounded too, and a client sending random keys must not grow it. */
const AUTHORIZER_CACHE_ENTRIES = 10_000;

/**
 * API Gateway's authorizer cache, keyed by the identity source (the Authorization header): an
 * answer (allow or deny) is reused until its TTL ends, so a revoked key works until then. A
 * failed authorizer call is not cached. Concurrent misses for one header share one call.
 */
export function authorizerCache(ttlSeconds: number, now: () => number = Date.now) {
  const entries = new Map<string, { expires: number; answer: Promise<AuthorizerAnswer> }>();
  return {
    get(authorization: string, authorize: () => Promise<AuthorizerAnswer>): Promise<AuthorizerAnswer> {
      if (ttlSeconds <= 0) return authorize();
      const hit = entries.get(authorization);
      if (hit && hit.expires > now()) return hit.answer;
      if (hit) entries.delete(authorization);
      const answer = authorize();
      entries.set(authorization, { expires: now() + ttlSeconds * 1000, answer });
      answer.catch(() => entries.get(authorization)?.answer === answer && entries.delete(authorization));
      // Map order is insertion order: the first key is the oldest entry.
      if (entries.size > AUTHORIZER_CACHE_ENTRIES) entries.delete(entries.keys().next().value!);
      return answer;
    },
    get size() {
      return entries.size;
    },
  };
}

const JSON_HEADERS = { 'content-type': 'application/json' };

interface CompiledRoute {
  method: string;
  path: string;
  regex: RegExp;
  params: string[];
  fn: FunctionName;
  public: boolean;
}

const compiled: CompiledRoute[] = ROUTES.map((r) => {
  const params: string[] = [];
  const pattern = r.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    params.push(name);
    return '([^/]+)';
  });
  return { method: r.method, path: r.path, regex: new RegExp(`^${pattern}$`), params, fn: r.fn, public: r.public ?? false };
});

/** The `$default` route (infra/constructs/api.ts): whatever no route matched, public, to the fallback function. */
const FALLBACK_ROUTE: CompiledRoute = { method: 'ANY', path: '$default', regex: /^/, params: [], fn: 'fallback', public: true };

export function lambdaContext(functionName: string, timeoutMs = 30_000): Context {
  const started = Date.now();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too_large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return 'too_large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer): void {
  res.writeHead(status, headers);
  res.end(body);
}

export async function startLocalApi(options: LocalApiOptions): Promise<{ url: string; server: Server; stop(): Promise<void> }> {
  const maxBody = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const authorizations = authorizerCache(options.authorizerCacheSeconds ?? AUTHORIZER_CACHE_SECONDS);
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (options.staticHandler?.(req, res)) return;
      const method = (req.method ?? 'GET').toUpperCase();
      const found = compiled.map((r) => ({ r, m: r.method === method ? r.regex.exec(url.pathname) : null })).find((x) => x.m && options.functions[x.r.fn]);
      // No route: the `$default` route's function (404 / 405 in Resend's shape), as deployed.
      const match = found ?? (options.functions.fallback ? { r: FALLBACK_ROUTE, m: [] as unknown as RegExpExecArray } : undefined);
      if (!match) {
        const known = compiled.some((r) => r.regex.test(url.pathname));
        const [status, name] = known ? [405, 'method_not_allowed'] : [404, 'not_found'];
        return send(res, status, JSON_HEADERS, JSON.stringify(errorBody(status, name, `No route ${method} ${url.pathname}.`)));
      }
      const { r, m } = match;
      const body = await readBody(req, maxBody);
      if (body === 'too_large')
        return send(res, 413, JSON_HEADERS, JSON.stringify(errorBody(413, 'payload_too_large', `The request body is larger than ${maxBody} bytes.`)));
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
      const pathParameters = Object.fromEntries(r.params.map((p, i) => [p, decodeURIComponent(m![i + 1]!)]));
      const query = Object.fromEntries(url.searchParams.entries());
      const requestId = randomUUID();
      const event: Record<string, any> = {
        version: '2.0',
        routeKey: r === FALLBACK_ROUTE ? '$default' : `${r.method} ${r.path}`,
        rawPath: url.pathname,
        rawQueryString: url.search.slice(1),
        headers,
        ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
        ...(r.params.length ? { pathParameters } : {}),
        requestContext: {
          accountId: '000000000000',
          apiId: 'local',
          domainName: headers.host ?? 'localhost',
          domainPrefix: 'local',
          http: { method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
          requestId,
          routeKey: r === FALLBACK_ROUTE ? '$default' : `${r.method} ${r.path}`,
          stage: '$default',
          time: new Date().toISOString(),
          timeEpoch: Date.now(),
        },
        isBase64Encoded: false,
        ...(body.length ? { body: body.toString('utf8') } : {}),
      };
      if (!r.public) {
        // Like the deployed authorizer, which has no identity source: it is asked even without an
        // Authorization header (and answers "denied: missing", so the function writes Resend's 401).
        const authorizer = options.functions.authorizer!;
        const authorize = () =>
          authorizer({ type: 'REQUEST', routeKey: event.routeKey, headers, requestContext: event.requestContext }, lambdaContext('authorizer'));
        const auth = headers.authorization ? await authorizations.get(headers.authorization, authorize) : await authorize();
        // API Gateway's own answer to a denial (Mailroom's authorizer never denies; see functions/authorizer).
        if (!auth?.isAuthorized) return send(res, 403, JSON_HEADERS, JSON.stringify({ message: 'Forbidden' }));
        event.requestContext.authorizer = { lambda: auth.context ?? {} };
      }
      const result = await options.functions[r.fn]!(event, lambdaContext(r.fn));
      const out =
        typeof result === 'object' && result && 'statusCode' in result
          ? result
          : { statusCode: 200, body: JSON.stringify(result), headers: { 'content-type': 'application/json' } };
      const responseBody = out.isBase64Encoded ? Buffer.from(out.body ?? '', 'base64') : (out.body ?? '');
      send(res, out.statusCode, { ...(out.headers ?? {}), 'x-request-id': requestId }, responseBody);
    } catch (error) {
      // API Gateway answers 500 when the integration itself fails.
      // Redacted like the functions' logs: an error message may carry a recipient address.
      console.error('[local api] integration error', redactAddressesIn(String((error as Error)?.stack ?? error)));
      if (!res.headersSent) send(res, 500, { 'content-type': 'application/json' }, JSON.stringify({ message: 'Internal Server Error' }));
    }
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
