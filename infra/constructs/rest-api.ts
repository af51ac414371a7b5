import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ROUTES, type FunctionName } from '#infra/definitions';
import type { MailroomFunction } from './mailroom-function';

export interface RestFrontProps {
  /** The API functions by name (every `fn` of ROUTES). */
  readonly functions: Readonly<Partial<Record<FunctionName, MailroomFunction>>>;
  readonly authorizerFn: MailroomFunction;
  readonly rateLimit: number;
  readonly burstLimit: number;
  readonly publicRouteRateLimit: number;
  readonly publicRouteBurstLimit: number;
}

/** Stage of the REST API: its URL is `https://<id>.execute-api.<region>.amazonaws.com/<stage>`. */
export const REST_STAGE = 'v1';

/**
 * Errors API Gateway answers itself, in the shape every Mailroom function uses
 * (`{statusCode, name, message}` with a `name` from the resend SDK's union). A REST API answers an
 * unknown route (or a known path with another method) with MISSING_AUTHENTICATION_TOKEN: that is
 * Resend's 404 `not_found` here.
 */
export const REST_GATEWAY_RESPONSES: ReadonlyArray<{ type: apigateway.ResponseType; statusCode: number; name: string; message: string }> = [
  { type: apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN, statusCode: 404, name: 'not_found', message: 'Route not found.' },
  { type: apigateway.ResponseType.UNAUTHORIZED, statusCode: 401, name: 'missing_api_key', message: 'Missing API key in the authorization header.' },
  { type: apigateway.ResponseType.ACCESS_DENIED, statusCode: 403, name: 'invalid_api_key', message: 'API key is invalid.' },
  { type: apigateway.ResponseType.THROTTLED, statusCode: 429, name: 'rate_limit_exceeded', message: 'Too many requests. Please slow down.' },
  { type: apigateway.ResponseType.REQUEST_TOO_LARGE, statusCode: 413, name: 'payload_too_large', message: 'The request body is too large.' },
  { type: apigateway.ResponseType.DEFAULT_4XX, statusCode: 400, name: 'validation_error', message: 'The request could not be processed.' },
  { type: apigateway.ResponseType.DEFAULT_5XX, statusCode: 500, name: 'application_error', message: 'Something went wrong on our side. Please retry.' },
];

/**
 * The API as a REST API (API Gateway v1), for the LocalStack profile: LocalStack's Free plan has
 * REST APIs but not HTTP APIs. Same routes (ROUTES, at the stage root), the same Lambda authorizer
 * (REQUEST type, no identity source and no gateway cache, like the HTTP API's), the same error
 * shape for the answers API Gateway gives itself, stage and per-route throttles. The functions
 * receive the REST (v1) event and normalise it (shared/http/rest-v1.ts).
 */
export class RestFront extends Construct {
  public readonly restApi: apigateway.RestApi;
  public readonly authorizer: apigateway.RequestAuthorizer;
  /** Base URL without trailing slash (stage included). */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: RestFrontProps) {
    super(scope, id);
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_WEEK, removalPolicy: RemovalPolicy.DESTROY });
    const publicThrottle = { throttlingRateLimit: props.publicRouteRateLimit, throttlingBurstLimit: props.publicRouteBurstLimit };
    this.restApi = new apigateway.RestApi(this, 'RestApi', {
      description: 'Mailroom email API (Resend-compatible paths), REST flavour for LocalStack',
      cloudWatchRole: false,
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      deployOptions: {
        stageName: REST_STAGE,
        throttlingRateLimit: props.rateLimit,
        throttlingBurstLimit: props.burstLimit,
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
        // Per-route throttles for the routes anyone can call (no API key).
        methodOptions: Object.fromEntries(ROUTES.filter((r) => r.public).map((r) => [`${r.path}/${r.method}`, publicThrottle])),
      },
      defaultCorsPreflightOptions: {
        allowOrigins: apigateway.Cors.ALL_ORIGINS,
        allowMethods: ['GET', 'POST', 'PATCH', 'DELETE'],
        allowHeaders: ['authorization', 'content-type', 'idempotency-key', 'mailroom-lane', 'x-batch-validation'],
        maxAge: Duration.days(1),
      },
    });
    this.url = this.restApi.url.replace(/\/$/, '');

    this.authorizer = new apigateway.RequestAuthorizer(this, 'ApiKeyAuthorizer', {
      handler: props.authorizerFn,
      identitySources: [],
      resultsCacheTtl: Duration.seconds(0),
    });

    const integrations = new Map<FunctionName, apigateway.LambdaIntegration>();
    for (const route of ROUTES) {
      const fn = props.functions[route.fn];
      if (!fn) throw new Error(`ROUTES: ${route.method} ${route.path} points at '${route.fn}', which is not an API function`);
      let integration = integrations.get(route.fn);
      if (!integration) {
        integration = new apigateway.LambdaIntegration(fn, { scopePermissionToMethod: false });
        integrations.set(route.fn, integration);
      }
      const method = this.restApi.root
        .resourceForPath(route.path)
        .addMethod(
          route.method,
          integration,
          route.public
            ? { authorizationType: apigateway.AuthorizationType.NONE }
            : { authorizer: this.authorizer, authorizationType: apigateway.AuthorizationType.CUSTOM },
        );
      if (route.public) {
        Validations.of(method).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${route.method} ${route.path} is public by design (${route.fn === 'health' ? 'probes' : 'RFC 8058 one-click unsubscribe; the signed token in the path is the authorization'}).`,
        });
      }
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-COG4',
        reason: 'Callers authenticate with Mailroom API keys (Resend-compatible bearer keys) checked by the Lambda authorizer; there is no Cognito user pool.',
      });
    }

    for (const response of REST_GATEWAY_RESPONSES) {
      this.restApi.addGatewayResponse(`${response.type.responseType}Response`, {
        type: response.type,
        statusCode: String(response.statusCode),
        responseHeaders: { 'Access-Control-Allow-Origin': "'*'", 'Content-Type': "'application/json'" },
        templates: {
          'application/json': JSON.stringify({ statusCode: response.statusCode, name: response.name, message: response.message }),
        },
      });
    }

    Validations.of(this.restApi).acknowledge(
      {
        id: 'AwsSolutions-APIG2',
        reason:
          'Each function validates its own input with zod and answers 4xx in the resend SDK shape; an API Gateway request validator would answer in a different shape.',
      },
      {
        id: 'AwsSolutions-APIG3',
        reason:
          'LocalStack profile only (the REST API exists only there), and LocalStack has no WAF; the production HTTP API documents CloudFront + WAF in docs/deploy.md.',
      },
      {
        id: 'AwsSolutions-APIG6',
        reason:
          'LocalStack profile only: access logs are on (JSON, own log group); execution logging needs the account-level CloudWatch role, which this stack does not create (cloudWatchRole: false).',
      },
    );
  }
}
