import { existsSync } from 'node:fs';
import path from 'node:path';
import { Annotations, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { CONSOLE, consoleCsp } from '#infra/definitions';
import { REPO_ROOT } from './mailroom-function';

export interface ConsoleProps {
  /** Base URL of the Mailroom API the console calls (written to config.json and allowed by the CSP). */
  readonly apiUrl: string;
  /**
   * Vite build output to deploy (default <repo>/console/dist); skipped with a synth warning when
   * absent, and not packaged when the stack's bundling is skipped (tests), like the functions' code.
   */
  readonly distDir?: string;
  /**
   * Fail the synth when the build is missing (production): a deploy must not ship a console bucket
   * with nothing in it. Otherwise a missing build is a synth warning.
   */
  readonly requireBuild?: boolean;
  /** Where the console bucket's S3 server access logs go. */
  readonly accessLogsBucket?: s3.IBucket;
}

/** A CloudFormation value as cdk-nag names it in a finding (its flattenCfnReference). */
function nagName(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const o = node as Record<string, any>;
  if (o['Fn::Join']) return (o['Fn::Join'][1] as unknown[]).map(nagName).join(o['Fn::Join'][0]);
  if (o['Fn::Sub']) return nagName(o['Fn::Sub']);
  if (o['Fn::GetAtt']) return `<${nagName(o['Fn::GetAtt'][0])}.${nagName(o['Fn::GetAtt'][1])}>`;
  if (o.Ref) return `<${nagName(o.Ref)}>`;
  return JSON.stringify(node);
}

/**
 * BucketDeployment's provider (aws-cdk-lib, deploy time only) has a managed logging policy and
 * object-level wildcards on the CDK asset bucket and the console bucket; acknowledged one by one.
 */
function acknowledgeDeploymentRole(role: IRole): void {
  const stack = Stack.of(role);
  const policy = role.node.tryFindChild('DefaultPolicy') as { document: unknown } | undefined;
  const statements = ((policy ? stack.resolve(policy.document) : { Statement: [] }) as { Statement: Array<{ Action: string | string[]; Resource: unknown }> })
    .Statement;
  const acks: Array<{ id: string; reason: string }> = [
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'aws-cdk-lib BucketDeployment provider: AWSLambdaBasicExecutionRole only lets the deploy-time copy function write its own CloudWatch logs.',
    },
  ];
  const seen = new Set<string>();
  for (const st of statements) {
    for (const action of ([] as string[]).concat(st.Action)) {
      if (action.includes('*') && !seen.has(`a:${action}`)) {
        seen.add(`a:${action}`);
        acks.push({
          id: `AwsSolutions-IAM5[Action::${action}]`,
          reason: `aws-cdk-lib BucketDeployment provider: ${action} is the grant's standard S3 read/write action group, limited to the CDK asset bucket and the console bucket, used only while deploying.`,
        });
      }
    }
    for (const resource of ([] as unknown[]).concat(st.Resource)) {
      const name = nagName(resource);
      if (name.includes('*') && !seen.has(`r:${name}`)) {
        seen.add(`r:${name}`);
        acks.push({
          id: `AwsSolutions-IAM5[Resource::${name}]`,
          reason:
            name === '*'
              ? 'aws-cdk-lib BucketDeployment provider: cloudfront:CreateInvalidation/GetInvalidation do not support resource-level scoping beyond the distribution id in all partitions; it invalidates only index.html and config.json after a deploy.'
              : `aws-cdk-lib BucketDeployment provider: objects under ${name.replace(/\/\*$/, '')} (the CDK asset bucket or the console bucket) are read/copied by key; object keys are content hashes unknown at synth time.`,
        });
      }
    }
  }
  Validations.of(role).acknowledge(...acks);
  for (const fn of stack.node.children.filter((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'))) {
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'aws-cdk-lib BucketDeployment provider: runs only during cdk deploy, on the Python runtime aws-cdk-lib pins to match its bundled AWS CLI layer; it serves no traffic.',
    });
  }
}

/** Origin (scheme://host[:port]) of a URL that may be a CDK token; the CSP wants an origin, not a path. */
function originOf(url: string): string {
  return /^https?:\/\/[^/]+/.exec(url)?.[0] ?? url;
}

/**
 * The operator console in AWS: a private, encrypted S3 bucket behind CloudFront (Origin Access
 * Control), with security headers and a strict CSP added to every response. The Vite build is
 * deployed to `/console/` with a `config.json` naming the API; client-side routes fall back to
 * index.html. No server of its own: the SPA calls the public API with the operator's key.
 */
export class Console extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly distribution: cloudfront.Distribution;
  public readonly responseHeadersPolicy: cloudfront.ResponseHeadersPolicy;
  /** `https://<distribution>/console/` */
  public readonly url: string;
  /** Absent when the console was not built at synth time. */
  public readonly deployment?: s3deploy.BucketDeployment;

  constructor(scope: Construct, id: string, props: ConsoleProps) {
    super(scope, id);
    const prefix = CONSOLE.basePath.replace(/^\//, ''); // 'console/'

    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      // Only build output lives here; every deploy writes it again.
      removalPolicy: RemovalPolicy.DESTROY,
      ...(props.accessLogsBucket ? { serverAccessLogsBucket: props.accessLogsBucket, serverAccessLogsPrefix: 'console/' } : {}),
    });
    if (!props.accessLogsBucket) {
      Validations.of(this.bucket).acknowledge({
        id: 'AwsSolutions-S1',
        reason:
          'Holds only the public console build (HTML, JS, CSS); it is read solely by CloudFront through Origin Access Control, so S3 access logs would record nothing but CloudFront fetches.',
      });
    }

    this.responseHeadersPolicy = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Mailroom console: CSP and security headers',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: consoleCsp(originOf(props.apiUrl)), override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(730), includeSubdomains: true, preload: false, override: true },
      },
      customHeadersBehavior: {
        customHeaders: [
          { header: 'Cross-Origin-Opener-Policy', value: 'same-origin', override: true },
          { header: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=()', override: true },
        ],
      },
    });

    const indexPath = `${CONSOLE.basePath}index.html`;
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Mailroom operator console',
      defaultRootObject: `${prefix}index.html`,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.responseHeadersPolicy,
        compress: true,
      },
      // Client-side routes (/console/emails/<id>) are not objects: S3 answers 403 (no ListBucket), so serve the SPA.
      errorResponses: [403, 404].map((httpStatus) => ({ httpStatus, responseHttpStatus: 200, responsePagePath: indexPath, ttl: Duration.seconds(10) })),
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
    });
    this.url = `https://${this.distribution.distributionDomainName}${CONSOLE.basePath}`;

    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'The console is for the operators of this deployment, wherever they are; every API call it makes needs an API key, so geo restriction would add no protection.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'Static files only: the distribution serves the console build and has no origin that runs code; the API it calls has its own stage throttling and key authorizer.',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason:
          'Static, public build files; viewer requests carry no data worth auditing (the API key goes only to the API, whose access logs are on). Enable standard logging if your audit policy requires it.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'Uses the default *.cloudfront.net certificate, whose viewer TLS policy CloudFront fixes (it cannot be raised without a custom domain and ACM certificate); browsers negotiate TLS 1.2+ anyway.',
      },
    );

    const distDir = props.distDir ?? path.join(REPO_ROOT, CONSOLE.distDir);
    if (!Stack.of(this).bundlingRequired) {
      // Like the functions (placeholder code), nothing is packaged when bundling is skipped (tests):
      // the template then does not depend on whether console/dist happens to exist.
      Annotations.of(this).addInfo('Bundling is skipped for this stack: the console build is not packaged.');
    } else if (existsSync(path.join(distDir, 'index.html'))) {
      this.deployment = new s3deploy.BucketDeployment(this, 'Deploy', {
        sources: [s3deploy.Source.asset(distDir), s3deploy.Source.jsonData(CONSOLE.configFile, { apiUrl: props.apiUrl })],
        destinationBucket: this.bucket,
        destinationKeyPrefix: prefix,
        distribution: this.distribution,
        distributionPaths: [indexPath, `${CONSOLE.basePath}${CONSOLE.configFile}`],
        memoryLimit: 256,
      });
      acknowledgeDeploymentRole(this.deployment.handlerRole);
    } else if (props.requireBuild) {
      throw new Error(
        `The operator console is not built (${path.relative(REPO_ROOT, distDir) || distDir}/index.html is missing): run \`npm run console:build\` before \`cdk deploy\` (cdk.json's "build" step does it for the cdk CLI), or synthesize with -c profile=development.`,
      );
    } else {
      Annotations.of(this).addWarningV2(
        'mailroom:console-not-built',
        `The operator console is not built (${path.relative(REPO_ROOT, distDir) || distDir}/index.html is missing), so it is not deployed: run \`npm run console:build\` before \`cdk deploy\`. The bucket and distribution are still created.`,
      );
    }
  }
}
