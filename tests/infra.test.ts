import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
import { bundledSources, bundleSizesKb, handlerBundles, type HandlerBundle } from '../infra/bundle-sizes.ts';
import { sesOffered } from '../infra/settings.ts';
import { readConfig } from '../functions/wiring.ts';
import { defaultProvider } from '../functions/wiring/lambda-credentials.ts';
import { sampleTables } from './support/ledger.ts';
import { useDynalite } from './support/store.ts';

const dynalite = useDynalite();

/** The app synthesised without bundling (fast), cdk-nag included: synth throws on any unacknowledged finding. */
function synth() {
  const { app, stateful, stateless } = buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [], mailDomain: 'duban.example.org', adminEmail: 'liufang@duban.example.org', adminName: '刘芳' } }));
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
    // The jobs, the app, SES's feedback, the first office account, and the photos' processing.
    expect(Object.keys(functions).filter((id) => !id.startsWith('LogRetention'))).toHaveLength(5);
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
        // The evidence bucket's grants (to the app alone) are held in tests/evidence-infra.test.ts.
        .filter((s) => !JSON.stringify(s).includes('GetAttEvidence'))
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

  it('creates the first office account, the admin named at deploy time, through a custom resource', () => {
    stateless.hasResourceProperties('Custom::DubanOfficeAdmin', { AdminName: '刘芳', AdminEmail: 'liufang@duban.example.org', ServiceToken: Match.anyValue() });
  });

  it('keeps the link key in Secrets Manager, generated, and lets only the functions that sign links read it', () => {
    stateless.hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: Match.objectLike({ PasswordLength: 48 }) });
    const [secretId] = Object.keys(stateless.findResources('AWS::SecretsManager::Secret'));
    const readers = Object.entries(stateless.findResources('AWS::IAM::Policy'))
      .filter(([, p]) => JSON.stringify(p).includes('secretsmanager:GetSecretValue'))
      .map(([id]) => id.replace(/ServiceRoleDefaultPolicy.*$/, ''))
      .sort();
    expect(readers).toEqual(['HttpFunction', 'JobsFunction']);
    for (const [id, fn] of Object.entries(stateless.findResources('AWS::Lambda::Function'))) {
      const signs = id.startsWith('JobsFunction') || id.startsWith('HttpFunction');
      expect(JSON.stringify(fn).includes(`"DUBAN_LINK_SECRET_ARN":{"Ref":"${secretId}"}`), id).toBe(signs);
    }
    expect(JSON.stringify(stateless.findResources('AWS::Lambda::Function'))).not.toContain('DUBAN_LINK_SECRET"');
  });

  it('sends every route of the HTTP API to the app function, which does its own sign-in (no anonymous route bypasses it)', () => {
    const routes = Object.values(stateless.findResources('AWS::ApiGatewayV2::Route')) as { Properties: { RouteKey: string; Target: unknown; AuthorizationType?: string } }[];
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(['ANY /', 'ANY /{proxy+}']);
    const integrations = stateless.findResources('AWS::ApiGatewayV2::Integration');
    for (const route of routes) {
      const integration = (JSON.stringify(route.Properties.Target).match(/"Ref":"(\w+)"/) ?? [])[1]!;
      expect(integrations[integration], route.Properties.RouteKey).toMatchObject({ Properties: { IntegrationType: 'AWS_PROXY', IntegrationUri: { 'Fn::GetAtt': [expect.stringMatching(/^HttpFunction/), 'Arn'] } } });
    }
  });

  it('emails the operator through one alarm topic, the action of every alarm', () => {
    stateless.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'liufang@duban.example.org' });
    const [topic] = Object.keys(stateless.findResources('AWS::SNS::Topic', { Properties: { DisplayName: 'duban alarms' } }));
    const alarms = Object.values(stateless.findResources('AWS::CloudWatch::Alarm')) as { Properties: Record<string, unknown> }[];
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions, String(alarm.Properties.AlarmDescription)).toEqual([{ Ref: topic }]);
    const find = (match: (p: Record<string, unknown>) => boolean) => alarms.filter((a) => match(a.Properties));
    const fnRef = (prefix: string) => (p: Record<string, unknown>) => JSON.stringify(p.Dimensions ?? p.Metrics).includes(`"Ref":"${prefix}`);
    // job errors, and runs that failed every retry (the jobs function's on-failure destination)
    expect(find((p) => p.MetricName === 'Errors' && fnRef('JobsFunction')(p))).toHaveLength(1);
    const [failedRuns] = Object.keys(stateless.findResources('AWS::SQS::Queue')).filter((id) => id.startsWith('JobFailedRuns'));
    stateless.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('^JobsFunction') },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [failedRuns, 'Arn'] } } },
    });
    expect(find((p) => p.MetricName === 'ApproximateNumberOfMessagesVisible' && JSON.stringify(p.Dimensions).includes(failedRuns!))).toHaveLength(1);
    // a job that did not run in a day: one per job, missing data counts
    for (const job of cronTable(defaultCadence).map((e) => e.job)) {
      expect(find((p) => p.Namespace === 'Duban' && p.MetricName === 'JobRunsCompleted' && JSON.stringify(p.Dimensions) === JSON.stringify([{ Name: 'Job', Value: job }])), job)
        .toEqual([expect.objectContaining({ Properties: expect.objectContaining({ ComparisonOperator: 'LessThanThreshold', Threshold: 1, TreatMissingData: 'breaching', Period: 86400 }) })]);
    }
    // the schedules' dead letters, throttles of every function
    const [deadLetters] = Object.keys(stateless.findResources('AWS::SQS::Queue')).filter((id) => id.startsWith('ScheduleDeadLetters'));
    expect(find((p) => JSON.stringify(p.Dimensions ?? '').includes(deadLetters!))).toHaveLength(1);
    const [throttles] = find((p) => JSON.stringify(p.Metrics ?? '').includes('Throttles'));
    for (const fn of ['JobsFunction', 'HttpFunction', 'SesFeedbackFunction', 'EvidenceProcessingFunction']) expect(fnRef(fn)(throttles!.Properties), fn).toBe(true);
    // a kept photo the processing failed on after its retries
    const [failedPhotos] = Object.keys(stateless.findResources('AWS::SQS::Queue')).filter((id) => id.startsWith('EvidenceProcessingFailed'));
    expect(find((p) => JSON.stringify(p.Dimensions ?? '').includes(failedPhotos!))).toEqual([
      expect.objectContaining({ Properties: expect.objectContaining({ MetricName: 'ApproximateNumberOfMessagesVisible', AlarmDescription: expect.stringContaining('evidence process') }) }),
    ]);
    // SES reputation before SES's own review rates (5 % bounces, 0.1 % complaints)
    expect(find((p) => p.Namespace === 'AWS/SES' && p.MetricName === 'Reputation.BounceRate')).toEqual([expect.objectContaining({ Properties: expect.objectContaining({ Threshold: 0.04 }) })]);
    expect(find((p) => p.Namespace === 'AWS/SES' && p.MetricName === 'Reputation.ComplaintRate')).toEqual([expect.objectContaining({ Properties: expect.objectContaining({ Threshold: 0.0008 }) })]);
  });

  it('outputs what the CLI needs to act on the deployed stack', () => {
    const outputs = Object.keys(stateless.toJSON().Outputs as object);
    expect(outputs).toEqual(expect.arrayContaining(['ApiUrl', 'AppUrl', 'TableName', 'ReportsBucketName', 'LinkSecretArn', 'MailFrom', 'MailConfigurationSet', 'AlarmTopicArn']));
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
    expect(() => buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [], mailDomain: 'hb.example.gov.cn' } }))).toThrow('缺少管理员邮箱 adminEmail');
    expect(() => buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [], mailDomain: 'hb.example.gov.cn', adminEmail: 'zhangsan' } }))).toThrow('管理员邮箱 adminEmail 不是有效的邮箱地址：zhangsan');
  }, 120_000);

  it('sends mail by default from a region that offers SES', () => {
    const region = readConfig({}).AWS_REGION;
    expect(region).toBe('ap-southeast-1');
    expect(sesOffered(region)).toBe(true);
  });
});

describe('an office SMTP server', () => {
  const base = { 'aws:cdk:bundling-stacks': [], mailDomain: 'duban.example.org', adminEmail: 'liufang@duban.example.org' };
  const stack = (context: Record<string, string>) => {
    const { app, stateless } = buildApp(new App({ context: { ...base, ...context } }));
    app.synth();
    return Template.fromStack(stateless);
  };
  const environment = (template: Template, prefix: string) => {
    const [fn] = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([id]) => id.startsWith(prefix));
    return (fn![1] as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment.Variables;
  };
  /** The functions whose role may read the given secret (by its Ref or its ARN). */
  const readersOf = (template: Template, secret: unknown) =>
    Object.entries(template.findResources('AWS::IAM::Policy'))
      .filter(([, p]) => JSON.stringify(p).includes(JSON.stringify(secret)))
      .map(([id]) => id.replace(/ServiceRoleDefaultPolicy.*$/, ''));

  it('gives the jobs function alone the server and the ARN of a secret made for the password, never the password', () => {
    const template = stack({ smtpHost: 'mail.example.gov.cn', smtpPort: '587', smtpUser: 'duban@example.gov.cn' });
    const secrets = Object.keys(template.findResources('AWS::SecretsManager::Secret'));
    const smtpSecret = secrets.find((id) => id.startsWith('SmtpPassword'))!;
    expect(secrets).toHaveLength(2); // the link key and the SMTP password
    const jobs = environment(template, 'JobsFunction');
    expect(jobs).toMatchObject({ DUBAN_SMTP_HOST: 'mail.example.gov.cn', DUBAN_SMTP_PORT: '587', DUBAN_SMTP_TLS: 'starttls', DUBAN_SMTP_USER: 'duban@example.gov.cn', DUBAN_SMTP_PASSWORD_ARN: { Ref: smtpSecret } });
    expect(jobs).not.toHaveProperty('DUBAN_SMTP_PASSWORD');
    expect(JSON.stringify(environment(template, 'HttpFunction'))).not.toContain('DUBAN_SMTP');
    expect(readersOf(template, { Ref: smtpSecret })).toEqual(['JobsFunction']);
    template.hasOutput('SmtpPasswordSecretArn', { Value: { Ref: smtpSecret } });
  });

  it('trusts the CA certificate an office gives in smtpCaFile, in the jobs function only, and names the file when it is not a certificate', () => {
    const caFile = fileURLToPath(new URL('./fixtures/smtp-localhost.crt', import.meta.url));
    const template = stack({ smtpHost: 'mail.example.gov.cn', smtpPort: '587', smtpCaFile: caFile });
    expect(environment(template, 'JobsFunction').DUBAN_SMTP_CA).toBe(readFileSync(caFile, 'utf8').trim());
    expect(JSON.stringify(environment(template, 'HttpFunction'))).not.toContain('DUBAN_SMTP');
    expect(() => stack({ smtpHost: 'mail.example.gov.cn', smtpCaFile: '/nowhere/ca.pem' })).toThrow('找不到 SMTP 服务器的 CA 证书文件 smtpCaFile：/nowhere/ca.pem');
    expect(() => stack({ smtpHost: 'mail.example.gov.cn', smtpCaFile: fileURLToPath(new URL('./fixtures/smtp-localhost.key', import.meta.url)) })).toThrow('不是 PEM 格式的证书');
  });

  it('reads the password from a secret the office already keeps, made by no one else', () => {
    const arn = 'arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:duban-smtp-AbCdEf';
    const template = stack({ smtpHost: 'mail.example.gov.cn', smtpUser: 'duban@example.gov.cn', smtpPasswordSecret: arn });
    expect(Object.keys(template.findResources('AWS::SecretsManager::Secret'))).toHaveLength(1); // the link key only
    expect(environment(template, 'JobsFunction')).toMatchObject({ DUBAN_SMTP_PORT: '465', DUBAN_SMTP_TLS: 'tls', DUBAN_SMTP_PASSWORD_ARN: arn });
    expect(readersOf(template, arn)).toEqual(['JobsFunction']);
  });

  it('without an SMTP server, no function is told of one', () => {
    const template = stack({});
    expect(JSON.stringify(template.findResources('AWS::Lambda::Function'))).not.toContain('DUBAN_SMTP');
  });

  it('refuses SMTP settings it cannot use, naming the setting', () => {
    expect(() => stack({ smtpUser: 'duban@example.gov.cn' })).toThrow('设置了 smtpUser，但缺少 SMTP 服务器 smtpHost');
    expect(() => stack({ smtpHost: 'mail.example.gov.cn', smtpPort: 'abc' })).toThrow('SMTP 端口 smtpPort 应为 1–65535 之间的整数');
    expect(() => stack({ smtpHost: 'smtp://mail.example.gov.cn' })).toThrow('SMTP 服务器 smtpHost 不是有效的主机名');
    expect(() => stack({ smtpHost: 'mail.example.gov.cn', smtpUser: 'u', smtpPasswordSecret: 'duban-smtp' })).toThrow('smtpPasswordSecret 应为 Secrets Manager 密钥的完整 ARN');
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
  /** One synth (every handler bundled by esbuild) for the tests below. */
  let built: HandlerBundle[] | undefined;
  const bundles = () => (built ??= handlerBundles());

  it('bundle only what each function runs: no renderer, CSS inliner library, workbook library or SMTP client outside the jobs function, no zod locale but English, every function under 1,000 KB', () => {
    const all = bundles();
    const packagesOf = (name: string) => {
      const bundle = all.find((b) => b.name === name);
      if (!bundle) throw new Error(`no ${name} bundle`);
      return new Set(bundledSources(bundle).map((s) => s.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1]).filter((p): p is string => !!p));
    };
    const heavy = ['echarts', 'zrender', 'docx', 'juice', 'cheerio', 'nodemailer', 'smtp-server'];
    for (const name of ['http', 'ses-events', 'office-admin']) {
      const packages = packagesOf(name);
      expect(heavy.filter((p) => packages.has(p)), name).toEqual([]);
    }
    // No function holds a workbook library: the jobs write workbooks with our own writer, the console reads an uploaded ledger with our own reader (node:zlib).
    for (const bundle of all) expect(packagesOf(bundle.name).has('exceljs'), bundle.name).toBe(false);
    // On Lambda every function's credentials come from the environment: none of the SDK's other sources.
    const credentialChain = ['@aws-sdk/credential-provider-node', '@aws-sdk/credential-provider-sso', '@aws-sdk/credential-provider-ini', '@aws-sdk/nested-clients', '@aws-sdk/token-providers'];
    for (const bundle of all) {
      expect(credentialChain.filter((p) => packagesOf(bundle.name).has(p)), bundle.name).toEqual([]);
      expect(bundledSources(bundle).some((s) => s.endsWith('functions/wiring/lambda-credentials.ts')), bundle.name).toBe(true);
    }
    // The jobs function inlines email CSS with its own inliner and draws its charts by hand: no chart engine.
    expect(packagesOf('jobs').has('juice')).toBe(false);
    expect(['echarts', 'zrender'].filter((p) => packagesOf('jobs').has(p))).toEqual([]);
    for (const bundle of all) expect(bundledSources(bundle).filter((s) => /zod\/v4\/locales\/(?!en\.js|index\.js)/.test(s)), bundle.name).toEqual([]);

    const kb = bundleSizesKb(all);
    expect(Object.keys(kb).sort()).toEqual(['evidence', 'http', 'jobs', 'office-admin', 'ses-events']);
    // No HEIC decoder but the evidence function's, whose .wasm is a file beside its bundle, not inlined.
    for (const name of ['http', 'jobs', 'ses-events', 'office-admin']) expect(['libheif-js', 'heic-convert', 'heic-decode'].filter((p) => packagesOf(name).has(p)), name).toEqual([]);
    expect(kb.evidence).toBeLessThanOrEqual(1000);
    // Minified, the AWS SDK included.
    expect(kb['ses-events']).toBeLessThanOrEqual(1000);
    expect(kb['office-admin']).toBeLessThanOrEqual(1000);
    expect(kb.http).toBeLessThanOrEqual(1000);
    expect(kb.jobs).toBeLessThanOrEqual(1000);
    // handlebars writes plain template code without `source-map` (the dispatch below composes its mail with it).
    for (const bundle of all) expect(packagesOf(bundle.name).has('source-map'), bundle.name).toBe(false);
  }, 300_000);

  it('the HTTP function signs its AWS calls with the credentials Lambda sets in the environment, and says so when they are missing', async () => {
    const keys = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'] as const;
    const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
    const client = () => new DynamoDBClient({ region: 'cn-north-1', endpoint: dynalite.endpoint, credentialDefaultProvider: defaultProvider });
    try {
      for (const k of keys) delete process.env[k];
      await expect(client().send(new ListTablesCommand({}))).rejects.toThrow('No AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set');
      Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'ASIAROLE', AWS_SECRET_ACCESS_KEY: 'role-secret', AWS_SESSION_TOKEN: 'role-session' });
      const { tableName } = await dynalite.fresh();
      const signed = client();
      expect((await signed.send(new ListTablesCommand({}))).TableNames).toContain(tableName);
      expect(await signed.config.credentials()).toMatchObject({ accessKeyId: 'ASIAROLE', secretAccessKey: 'role-secret', sessionToken: 'role-session' });
    } finally {
      for (const k of keys) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  });

  it('each load in a plain Node process and answer a sample event, the emulators standing in for AWS', async () => {
    const store = await dynalite.fresh();
    const calendar = defaultCalendar();
    await importLedger(sampleTables(), { at: new Date('2018-07-04T02:00:00Z'), by: 'office', source: 'sample' }, { store, calendar });
    const ses = await startSesEmulator();
    try {
      const built = bundles();
      const env = {
        PATH: process.env.PATH,
        AWS_REGION: 'cn-north-1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        DUBAN_TABLE: store.tableName,
        DUBAN_DYNAMODB_ENDPOINT: dynalite.endpoint,
        DUBAN_SES_ENDPOINT: ses.url,
        DUBAN_CADENCE: '{"sendRatePerSecond":1000}',
      };
      let lastStdout = '';
      const invoke = async (prefix: string, event: object) => {
        const bundle = built.find((b) => b.id.startsWith(prefix))!;
        const script = `const { handler } = await import(${JSON.stringify(`${bundle.dir}/index.mjs`)}); console.log(JSON.stringify(await handler(${JSON.stringify(event)}, {})));`;
        const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
          env: { ...env, DUBAN_TEMPLATE_DIR: `${bundle.dir}/templates` },
        });
        lastStdout = stdout;
        return JSON.parse(stdout.trim().split('\n').at(-1)!);
      };

      const job = await invoke('JobsFunction', { job: 'weekly-dispatch', at: '2018-07-09T01:00:00Z' });
      expect(job).toMatchObject({ job: 'weekly-dispatch', period: '2018-W28', delivery: { sent: 60, failed: 0 } });
      // The heartbeat the JobDidNotRun alarms watch: one embedded-metric line per completed run.
      const metric = lastStdout.split('\n').map((l) => (l.startsWith('{"_aws"') ? JSON.parse(l) : undefined)).find(Boolean);
      expect(metric).toMatchObject({ Job: 'weekly-dispatch', JobRunsCompleted: 1, _aws: { CloudWatchMetrics: [{ Namespace: 'Duban', Dimensions: [['Job']] }] } });

      const admin = await invoke('OfficeAdminBootstrap', { RequestType: 'Create', ResourceProperties: { ServiceToken: 'arn:x', AdminName: '王敏', AdminEmail: 'wangmin@example.org' } });
      expect(admin).toEqual({ PhysicalResourceId: 'office-admin:王敏' });
      expect(await store.people.get('王敏')).toMatchObject({ email: 'wangmin@example.org', roles: ['整改办'] });

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
