import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { defaultCadence } from '../functions/core/cadence/config.ts';
import { cronExpression, cronTable } from '../functions/core/cadence/schedule.ts';
import { defaultCalendar } from '../functions/core/calendar-data.ts';
import { importLedger } from '../functions/ledger-import/import-ledger.ts';
import { startSesEmulator } from '../functions/local/emulators.ts';
import { tableIndexes } from '../functions/store/table.ts';
import { buildApp } from '../infra/app.ts';
import { handlerBundles } from '../infra/bundle-sizes.ts';
import { sesOffered } from '../infra/settings.ts';
import { readConfig } from '../functions/wiring.ts';
import { sampleTables } from './support/ledger.ts';
import { useDynalite } from './support/store.ts';

const dynalite = useDynalite();

/** The app synthesised without bundling (fast), cdk-nag included: synth throws on any unacknowledged finding. */
function synth() {
  const { app, stateful, stateless } = buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [], mailDomain: 'duban.example.org' } }));
  app.synth();
  return { stateful: Template.fromStack(stateful), stateless: Template.fromStack(stateless) };
}

describe('the CDK app', () => {
  const { stateful, stateless } = synth();

  it('schedules every job of the cron table in Asia/Shanghai, with retries and a dead-letter queue that alarms', () => {
    const table = cronTable(defaultCadence);
    stateless.resourceCountIs('AWS::Scheduler::Schedule', table.length);
    for (const entry of table) {
      stateless.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: cronExpression(entry),
        ScheduleExpressionTimezone: 'Asia/Shanghai',
        Target: Match.objectLike({
          Input: Match.stringLikeRegexp(`"job":"${entry.job}"`),
          RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 3 }),
          DeadLetterConfig: Match.objectLike({ Arn: Match.anyValue() }),
        }),
      });
    }
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', { Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
  });

  it('keeps the table with its keys and indexes, point-in-time recovery, deletion protection and retention', () => {
    stateful.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        GlobalSecondaryIndexes: tableIndexes.map((i) => Match.objectLike({ IndexName: i.name })),
      }),
    });
  });

  it('keeps the report archive encrypted, TLS-only, closed to the public and retained', () => {
    stateful.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'reports/' }),
      }),
    });
    stateful.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('runs every function on the latest Node runtime on arm64, and lets only the jobs send mail', () => {
    const functions = stateless.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs24.x', Architectures: ['arm64'] } });
    expect(Object.keys(functions).filter((id) => !id.startsWith('LogRetention'))).toHaveLength(3);
    const policies = Object.entries(stateless.findResources('AWS::IAM::Policy'));
    const sends = policies.filter(([, p]) => JSON.stringify(p).includes('ses:SendEmail')).map(([id]) => id);
    expect(sends).toEqual([expect.stringMatching(/^JobsFunctionServiceRoleDefaultPolicy/)]);
    expect(JSON.stringify(policies.find(([id]) => id === sends[0])![1])).toContain('ses:SendRawEmail');
  });

  it('lets the jobs get and put reports and the app only get them, and tells both the bucket', () => {
    const policies = Object.entries(stateless.findResources('AWS::IAM::Policy'));
    const actionsOf = (prefix: string) =>
      policies
        .filter(([id]) => id.startsWith(prefix))
        .flatMap(([, p]) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[] }[] } } }).Properties.PolicyDocument.Statement)
        .flatMap((s) => [s.Action].flat())
        .filter((a) => a.startsWith('s3:'))
        .sort();
    expect(actionsOf('JobsFunctionServiceRole')).toEqual(['s3:GetObject', 's3:ListBucket', 's3:PutObject']);
    expect(actionsOf('HttpFunctionServiceRole')).toEqual(['s3:GetObject', 's3:ListBucket']);
    expect(actionsOf('SesFeedbackFunctionServiceRole')).toEqual([]);
    for (const fn of ['Jobs', 'Http']) {
      const [, resource] = Object.entries(stateless.findResources('AWS::Lambda::Function')).find(([id]) => id.startsWith(`${fn}Function`))!;
      expect(JSON.stringify(resource), fn).toContain('DUBAN_REPORTS_BUCKET');
    }
  });

  it('routes the HTTP API to the app, with access logs and throttling', () => {
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'ANY /{proxy+}' });
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'ANY /' });
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
      DefaultRouteSettings: { ThrottlingBurstLimit: 50, ThrottlingRateLimit: 20 },
    });
  });

  it('feeds SES bounces and complaints to the suppression function', () => {
    stateless.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: Match.objectLike({ MatchingEventTypes: ['bounce', 'complaint'], Enabled: true }),
    });
    stateless.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'lambda' });
  });
});

describe('deploy settings', () => {
  /** `cdk synth` runs the app command of cdk.json with the context in CDK_CONTEXT_JSON; so does this. */
  async function synthProcess(context: Record<string, string>, env: Record<string, string> = {}) {
    const app = (JSON.parse(readFileSync('cdk.json', 'utf8')) as { app: string }).app.split(' ');
    try {
      await promisify(execFile)(app[0]!, app.slice(1), {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [], ...context }), CDK_OUTDIR: join(process.env.TMPDIR ?? '/tmp', `duban-synth-${process.pid}`), ...env },
      });
      return { code: 0, stderr: '' };
    } catch (error) {
      const e = error as { code: number; stderr: string };
      return { code: e.code, stderr: e.stderr };
    }
  }

  it('refuses to synthesise without a mail domain, and says how to set it', async () => {
    const { code, stderr } = await synthProcess({});
    expect(code).toBe(1);
    expect(stderr).toContain('缺少发信域名 mailDomain');
    expect(stderr).toContain('-c mailDomain=');
    expect(stderr).toContain('cdk.json');
    expect(stderr).not.toMatch(/^\s+at /m); // no stack trace
  }, 120_000);

  it('refuses a region where SES is not offered, and names one where it is', async () => {
    const { code, stderr } = await synthProcess({ mailDomain: 'hb.example.gov.cn' }, { CDK_DEFAULT_REGION: 'cn-north-1' });
    expect(code).toBe(1);
    expect(stderr).toContain('cn-north-1 不提供 Amazon SES');
    expect(stderr).toContain('ap-southeast-1');
    expect(() => buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [], mailDomain: 'duban@example.org' } }))).toThrow('发信域名 mailDomain 不是有效的域名');
  }, 120_000);

  it('sends mail by default from a region that offers SES', () => {
    const region = readConfig({}).AWS_REGION;
    expect(region).toBe('ap-southeast-1');
    expect(sesOffered(region)).toBe(true);
  });
});

describe('dependencies', () => {
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { dev?: boolean; devOptional?: boolean; optional?: boolean }> };
  const runtime = Object.keys(lock.packages).filter((path) => path && !lock.packages[path]!.dev);
  const project = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };

  it('runs in production on the oldest Node the project declares: every installed runtime package allows it', () => {
    const oldest = semver.minVersion(project.engines.node)!;
    expect(oldest.major).toBe(20);
    expect(runtime.length).toBeGreaterThan(100);
    const refusing: string[] = [];
    for (const path of runtime) {
      const manifest = join(path, 'package.json');
      if (!existsSync(manifest)) continue; // an optional package for another platform
      const { name, version, engines } = JSON.parse(readFileSync(manifest, 'utf8')) as { name: string; version: string; engines?: { node?: string } };
      if (engines?.node && !semver.satisfies(oldest, engines.node)) refusing.push(`${name}@${version} (node ${engines.node})`);
    }
    expect(refusing, `runtime packages that refuse Node ${oldest}`).toEqual([]);
  });

  it('ships no SheetJS in production: xlsx is only for the tests', () => {
    expect(runtime.filter((path) => path.endsWith('node_modules/xlsx'))).toEqual([]);
    expect(lock.packages['node_modules/xlsx']?.dev).toBe(true);
  });
});

describe('the Lambda bundles', () => {
  it('each load in a plain Node process and answer a sample event, the emulators standing in for AWS', async () => {
    const store = await dynalite.fresh();
    const calendar = defaultCalendar();
    await importLedger(sampleTables(), { at: new Date('2018-07-04T02:00:00Z'), by: 'office', source: 'sample' }, { store, calendar });
    const ses = await startSesEmulator();
    try {
      const bundles = handlerBundles();
      const env = {
        PATH: process.env.PATH,
        AWS_REGION: 'cn-north-1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        DUBAN_TABLE: store.tableName,
        DUBAN_DYNAMODB_ENDPOINT: dynalite.endpoint,
        DUBAN_SES_ENDPOINT: ses.url,
        DUBAN_CADENCE: '{"sendRatePerSecond":1000}',
      };
      const invoke = async (prefix: string, event: object) => {
        const bundle = bundles.find((b) => b.id.startsWith(prefix))!;
        const script = `const { handler } = await import(${JSON.stringify(`${bundle.dir}/index.mjs`)}); console.log(JSON.stringify(await handler(${JSON.stringify(event)}, {})));`;
        const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
          env: { ...env, DUBAN_TEMPLATE_DIR: `${bundle.dir}/templates` },
        });
        return JSON.parse(stdout.trim().split('\n').at(-1)!);
      };

      const job = await invoke('JobsFunction', { job: 'weekly-dispatch', at: '2018-07-09T01:00:00Z' });
      expect(job).toMatchObject({ job: 'weekly-dispatch', period: '2018-W28', delivery: { sent: 60, failed: 0 } });

      const http = await invoke('HttpFunction', {
        version: '2.0', routeKey: 'ANY /{proxy+}', rawPath: '/health', rawQueryString: '', headers: { host: 'api.example.org' },
        requestContext: { http: { method: 'GET', path: '/health', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' }, requestId: 'r', routeKey: 'ANY /{proxy+}', stage: '$default', domainName: 'api.example.org', accountId: '1', apiId: 'a', time: '', timeEpoch: 0 },
        isBase64Encoded: false,
      });
      expect(http.statusCode).toBe(200);
      expect(JSON.parse(http.body)).toMatchObject({ status: 'ok' });

      const bounce = { notificationType: 'Bounce', bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: 'gone@example.org' }] } };
      const feedback = await invoke('SesFeedbackFunction', { Records: [{ Sns: { Message: JSON.stringify(bounce), Timestamp: '2018-07-09T02:00:00Z' } }] });
      expect(feedback).toEqual({ suppressed: 1 });
      expect(await store.notices.isSuppressed('gone@example.org')).toBe(true);
    } finally {
      await ses.close();
    }
  }, 300_000);
});
