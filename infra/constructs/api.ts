import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV } from '#shared/config/env';
import { AUTHORIZER_CACHE_SECONDS, ROUTES, type FunctionName } from '#infra/definitions';
import { pascal } from './lanes';
import { grantDomainIdentities } from './domains';
import { MailroomFunction, type LaneQueues, type SchedulerBinding, type TableSchedulerBinding } from './mailroom-function';
import { acknowledgeResourceStar } from './nag';
import { RestFront } from './rest-api';
import { MAX_REQUEST_BODY_BYTES } from './settings';

/** Functions behind the HTTP API (every distinct `fn` of ROUTES; the others are queue/event driven). */
export type ApiFunctionName = Exclude<
  FunctionName,
  'sender' | 'tracking' | 'intake' | 'authorizer' | 'webhook-fanout' | 'webhook-delivery' | 'reconciler' | 'schedules'
>;

export interface ApiProps {
  readonly table: ITable;
  readonly idempotencyTable: ITable;
  readonly laneQueues: LaneQueues;
  readonly laneDlqs: LaneQueues;
  readonly attachmentsBucket: IBucket;
  readonly unsubscribeSecret: ISecret;
  readonly bus: IEventBus;
  readonly scheduler: SchedulerBinding | TableSchedulerBinding;
  /** Steady-state requests per second on the stage. */
  readonly rateLimit: number;
  readonly burstLimit: number;
  /** Per-route throttle of the unauthenticated routes (`public` in ROUTES): an anonymous flood cannot take every tenant's budget. */
  readonly publicRouteRateLimit: number;
  readonly publicRouteBurstLimit: number;
  /** Public base URL for unsubscribe links when it is not the execute-api endpoint (custom domain). */
  readonly publicApiUrl?: string;
  /**
   * `rest`: a REST API (v1) in front of the same functions instead of the HTTP API — the LocalStack
   * profile, whose Free plan has no HTTP APIs (see rest-api.ts). Default `http`.
   */
  readonly front?: 'http' | 'rest';
  /** The SMTP fallback's secret (complete ARN): GET /health probes the fallback with it. */
  readonly smtpSecretArn?: string;
}

/**
 * The HTTP API: a Lambda authorizer (hashed API keys, SIMPLE responses, cached), one function per
 * route group of ROUTES, access logs and stage throttling. Routes marked `public` skip the authorizer.
 */
export class Api extends Construct {
  /** The HTTP API (absent with `front: 'rest'`, where `rest` is set instead). */
  public readonly httpApi!: apigw.HttpApi;
  public readonly stage!: apigw.HttpStage;
  public readonly rest?: RestFront;
  /** Base URL without trailing slash, e.g. https://abc.execute-api.eu-west-1.amazonaws.com */
  public readonly url!: string;
  public readonly authorizerFn: MailroomFunction;
  public readonly authorizer!: HttpLambdaAuthorizer;
  public readonly functions: Readonly<Record<ApiFunctionName, MailroomFunction>>;
  public readonly accessLogs!: LogGroup;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const http = (props.front ?? 'http') === 'http';

    if (http) {
      this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
        description: 'Mailroom email API (Resend-compatible paths)',
        // The default stage is added below so it can carry access logs and throttling.
        createDefaultStage: false,
        // The operator console (CloudFront, another origin) calls the API from the browser. Any origin:
        // auth is a bearer API key the caller holds, never a cookie, so CORS protects nothing here.
        corsPreflight: {
          allowOrigins: ['*'],
          allowMethods: [apigw.CorsHttpMethod.GET, apigw.CorsHttpMethod.POST, apigw.CorsHttpMethod.PATCH, apigw.CorsHttpMethod.DELETE],
          allowHeaders: ['authorization', 'content-type', 'idempotency-key', 'mailroom-lane', 'x-batch-validation'],
          exposeHeaders: ['x-request-id'],
          maxAge: Duration.days(1),
        },
      });
      this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
      this.stage = this.httpApi.addStage('DefaultStage', {
        stageName: '$default',
        autoDeploy: true,
        throttle: { rateLimit: props.rateLimit, burstLimit: props.burstLimit },
        accessLogSettings: {
          destination: new apigw.LogGroupLogDestination(this.accessLogs),
          format: AccessLogFormat.custom(
            JSON.stringify({
              requestId: '$context.requestId',
              ip: '$context.identity.sourceIp',
              requestTime: '$context.requestTime',
              routeKey: '$context.routeKey',
              status: '$context.status',
              responseLength: '$context.responseLength',
              responseLatency: '$context.responseLatency',
              integrationLatency: '$context.integrationLatency',
              integrationError: '$context.integrationErrorMessage',
              authorizerError: '$context.authorizer.error',
            }),
          ),
        },
      });
      this.url = props.publicApiUrl ?? this.httpApi.apiEndpoint;
      // Per-route throttles for the routes anyone can call (no API key): a tighter budget of their own.
      (this.stage.node.defaultChild as apigw.CfnStage).addPropertyOverride(
        'RouteSettings',
        Object.fromEntries(
          // `$default` (unknown routes, no API key: the fallback function's 404/405) is public too.
          [...ROUTES.filter((r) => r.public).map((r) => `${r.method} ${r.path}`), '$default'].map((routeKey) => [
            routeKey,
            { ThrottlingRateLimit: props.publicRouteRateLimit, ThrottlingBurstLimit: props.publicRouteBurstLimit },
          ]),
        ),
      );
    }

    this.authorizerFn = new MailroomFunction(this, 'AuthorizerFunction', { name: 'authorizer', description: 'Mailroom: API key authorizer' });
    // It reads API key items (`APIKEY#<sha256>`) by key, and writes one attribute of them: when the
    // key was last used (`lastUsedAt`, at most once per key per cache period), returning nothing.
    this.authorizerFn.bindTableItems(props.table, ['dynamodb:GetItem'], ['APIKEY#']);
    this.authorizerFn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:UpdateItem'],
        resources: [props.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['APIKEY#*'] },
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk', 'lastUsedAt'] },
          StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE'] },
        },
      }),
    );
    // No identity source, so no gateway cache: with `$request.header.Authorization` as identity
    // source, API Gateway itself would answer a request without the header with a bare
    // `{"message":"Unauthorized"}` the resend SDK cannot classify. The authorizer is asked on every
    // request, caches answers per Authorization header itself (AUTHORIZER_CACHE_SECONDS) and never
    // denies: the function writes missing_api_key / invalid_api_key in Resend's shape.
    // See docs/architecture.md, "Errors in Resend's shape, whoever answers".
    if (http)
      this.authorizer = new HttpLambdaAuthorizer('ApiKeyAuthorizer', this.authorizerFn, {
        responseTypes: [HttpLambdaResponseType.SIMPLE],
        identitySource: [],
        resultsCacheTtl: Duration.seconds(0),
      });
    this.authorizerFn.addEnvironment(ENV.AUTHORIZER_CACHE_SECONDS, String(AUTHORIZER_CACHE_SECONDS));

    const fn = (name: ApiFunctionName, description: string, timeout = 10) =>
      new MailroomFunction(this, `${pascal(name)}Function`, { name, description, timeout: Duration.seconds(timeout) });
    const functions: Record<ApiFunctionName, MailroomFunction> = {
      ingest: fn('ingest', 'Mailroom: POST /emails, /emails/batch', 29),
      emails: fn('emails', 'Mailroom: read, list, reschedule and cancel emails', 15),
      templates: fn('templates', 'Mailroom: tenant templates'),
      suppressions: fn('suppressions', 'Mailroom: suppression list'),
      health: fn('health', 'Mailroom: provider circuit state and lane depths'),
      operations: fn('operations', 'Mailroom: lane depths, DLQ inspection and redrive', 15),
      unsubscribe: fn('unsubscribe', 'Mailroom: one-click unsubscribe (RFC 8058)'),
      fallback: fn('fallback', 'Mailroom: $default route, 404 not_found / 405 method_not_allowed in Resend shape', 3),
      'api-keys': fn('api-keys', 'Mailroom: API keys (Resend shape)'),
      webhooks: fn('webhooks', 'Mailroom: webhooks, their delivery log and replay (Resend shape)'),
      domains: fn('domains', 'Mailroom: sending domains as SES identities (Resend shape)'),
    };
    this.functions = functions;

    functions.ingest.bindAcceptEmail(props);
    // The whole API Gateway event must fit Lambda's 6 MB synchronous payload: cap the body below it.
    functions.ingest.addEnvironment(ENV.MAX_BODY_BYTES, String(MAX_REQUEST_BODY_BYTES));
    functions.emails
      .bindTable(props.table, 'readwrite')
      // Presigned GETs for GET /emails/{id}/attachments…: the URL carries this role's read right.
      .bindAttachments(props.attachmentsBucket, 'read')
      .bindLaneQueues(props.laneQueues, { send: true })
      .bindScheduler(props.scheduler)
      .bindEventBus(props.bus);
    functions.templates.bindTable(props.table, 'readwrite');
    functions.suppressions.bindTable(props.table, 'readwrite');
    functions['api-keys'].bindTable(props.table, 'readwrite');
    // The delivery queue (replay) is bound by the Webhooks construct, which owns it.
    functions.webhooks.bindTable(props.table, 'readwrite');
    grantDomainIdentities(functions.domains.bindTable(props.table, 'readwrite'));
    functions.health.bindTable(props.table, 'read').bindLaneQueues(props.laneQueues, { attributes: true }).bindLaneDlqs(props.laneDlqs, { attributes: true });
    functions.operations
      .bindTable(props.table, 'read')
      .bindLaneQueues(props.laneQueues, { send: true, attributes: true })
      .bindLaneDlqs(props.laneDlqs, { attributes: true, redrive: true });
    if (props.smtpSecretArn) {
      functions.health.bindSecret(secretsmanager.Secret.fromSecretCompleteArn(this, 'HealthSmtpSecret', props.smtpSecretArn), ENV.SMTP_SECRET_ARN);
    }
    // Lane ages and last-hour sent/failed come from one GetMetricData call, which has no
    // resource-level permissions (covered by the role's Resource::* acknowledgement).
    for (const fn of [functions.health, functions.operations]) {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
      acknowledgeResourceStar(fn.role!, 'cloudwatch:GetMetricData (lane ages and last-hour counts)');
    }
    // It reads and writes suppression items (`TENANT#<t>` / `SUPPRESSION#<address>`) by key, nothing else.
    functions.unsubscribe
      .bindTableItems(props.table, ['dynamodb:GetItem', 'dynamodb:PutItem'], ['TENANT#'])
      .bindSecret(props.unsubscribeSecret, ENV.UNSUBSCRIBE_SECRET_ARN);
    this.bindPublicUrl(functions.unsubscribe);

    // One integration (and one invoke permission) per function, shared by its routes.
    const integrations = new Map<ApiFunctionName, HttpLambdaIntegration>();
    const integrationFor = (name: ApiFunctionName) => {
      let integration = integrations.get(name);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${pascal(name)}Integration`, functions[name], { scopePermissionToRoute: false });
        integrations.set(name, integration);
      }
      return integration;
    };

    for (const route of http ? ROUTES : []) {
      if (
        route.fn === 'sender' ||
        route.fn === 'tracking' ||
        route.fn === 'intake' ||
        route.fn === 'authorizer' ||
        route.fn === 'webhook-fanout' ||
        route.fn === 'webhook-delivery' ||
        route.fn === 'reconciler' ||
        route.fn === 'schedules'
      ) {
        throw new Error(`ROUTES: ${route.method} ${route.path} points at '${route.fn}', which is not an API function`);
      }
      const [created] = this.httpApi.addRoutes({
        path: route.path,
        methods: [apigw.HttpMethod[route.method]],
        integration: integrationFor(route.fn),
        authorizer: route.public ? new apigw.HttpNoneAuthorizer() : this.authorizer,
      });
      if (route.public && created) {
        Validations.of(created).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${route.method} ${route.path} is public by design (${route.fn === 'health' ? 'load-balancer and uptime probes' : 'RFC 8058 one-click unsubscribe from a mail client; the signed token in the path is the authorization'}).`,
        });
      }
    }

    // Whatever no route matches (unknown path, or a known path with another method) reaches the
    // fallback function instead of API Gateway's bare {"message":"Not Found"}: 404 not_found or 405
    // method_not_allowed in Resend's shape. Public: it answers the same with or without a key.
    if (!http) {
      this.rest = new RestFront(this, 'Rest', {
        functions,
        authorizerFn: this.authorizerFn,
        rateLimit: props.rateLimit,
        burstLimit: props.burstLimit,
        publicRouteRateLimit: props.publicRouteRateLimit,
        publicRouteBurstLimit: props.publicRouteBurstLimit,
      });
      this.url = props.publicApiUrl ?? this.rest.url;
      return;
    }
    const fallback = new apigw.HttpRoute(this, 'DefaultRoute', {
      httpApi: this.httpApi,
      routeKey: apigw.HttpRouteKey.DEFAULT,
      integration: integrationFor('fallback'),
    });
    Validations.of(fallback).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: 'The $default route only answers 404 not_found / 405 method_not_allowed (no data); it needs no API key, like an unknown route on any API.',
    });
  }

  /**
   * ENV.PUBLIC_API_URL (unsubscribe links). No dependency cycle: the function references only the
   * Api resource (its id), while routes and integrations reference the API functions, never the
   * senders; the senders sit outside the API, so they can take the URL directly.
   */
  public bindPublicUrl(fn: MailroomFunction): void {
    fn.addEnvironment(ENV.PUBLIC_API_URL, this.url);
  }
}
