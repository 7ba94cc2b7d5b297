/**
 * The evidence bucket as CloudFormation sees it (aws-cdk-lib/assertions, cdk-nag's AwsSolutions
 * checks running on the synth): private, encrypted, TLS only, CORS for the app's origin only,
 * abandoned uploads expiring; the HTTP function granted only what the upload flow needs.
 */
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../infra/app.ts';

function synth(context: Record<string, unknown> = {}) {
  const { app, stateful, stateless } = buildApp(
    new App({ context: { 'aws:cdk:bundling-stacks': [], mailDomain: 'duban.example.org', adminEmail: 'liufang@duban.example.org', adminName: '刘芳', ...context } }),
  );
  app.synth(); // throws on any cdk-nag finding not reviewed
  return { stateful: Template.fromStack(stateful), stateless: Template.fromStack(stateless) };
}

const evidenceBucketOf = (stateful: Template) => {
  const buckets = stateful.findResources('AWS::S3::Bucket', { Properties: { LoggingConfiguration: { LogFilePrefix: 'evidence/' } } });
  expect(Object.keys(buckets)).toHaveLength(1);
  return Object.entries(buckets)[0]!;
};

describe('the evidence bucket', () => {
  const { stateful, stateless } = synth({ appUrl: 'https://duban.example.gov.cn/' });

  it('is private, encrypted, versioned, retained, and admits browser uploads from the app’s origin only', () => {
    const [id, bucket] = evidenceBucketOf(stateful);
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      VersioningConfiguration: { Status: 'Enabled' },
      CorsConfiguration: { CorsRules: [{ AllowedOrigins: ['https://duban.example.gov.cn'], AllowedMethods: ['POST', 'GET'], AllowedHeaders: ['*'], MaxAge: 3600 }] },
    });
    expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual([
      expect.objectContaining({ Prefix: 'uploads/', ExpirationInDays: 1, NoncurrentVersionExpiration: { NoncurrentDays: 1 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' }),
    ]);
    stateful.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: id },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('grants the HTTP function put, get and delete under uploads/ and evidence/ only, the jobs reading kept files only, and nothing to list', () => {
    const [id] = evidenceBucketOf(stateful);
    const functionOf = (description: string) => Object.entries(stateless.findResources('AWS::Lambda::Function')).find(([, f]) => f.Properties.Description === description)!;
    for (const fn of ['duban HTTP app', 'duban cadence jobs']) expect(JSON.stringify(functionOf(fn)[1].Properties.Environment.Variables.DUBAN_EVIDENCE_BUCKET), fn).toContain(`Ref${id}`);
    const policies = Object.values(stateless.findResources('AWS::IAM::Policy')).filter((p) => JSON.stringify(p).includes(`GetAtt${id}Arn`));
    const granted = (role: string) =>
      policies
        .filter((p) => JSON.stringify(p.Properties.Roles).includes(role))
        .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
        .filter((s) => JSON.stringify(s.Resource).includes(`GetAtt${id}Arn`))
        .map((s) => ({ actions: [s.Action].flat(), resources: JSON.stringify(s.Resource).match(/\/(uploads|evidence)\/\*/g) }));
    expect(granted('HttpFunction')).toEqual([
      { actions: ['s3:PutObject'], resources: ['/uploads/*', '/evidence/*'] },
      { actions: ['s3:GetObject'], resources: ['/uploads/*', '/evidence/*'] },
      { actions: ['s3:DeleteObject'], resources: ['/uploads/*', '/evidence/*'] },
    ]);
    // The jobs read kept files for the reports they compile (the 台账's links, the circular's photos).
    expect(granted('JobsFunction')).toEqual([{ actions: ['s3:GetObject'], resources: ['/evidence/*'] }]);
    // No other function touches it.
    expect(policies.map((p) => (JSON.stringify(p.Properties.Roles).match(/(HttpFunction|JobsFunction)/) ?? ['other'])[0]).sort()).toEqual(['HttpFunction', 'JobsFunction']);
  });

  it('admits the region’s API Gateway origins when no appUrl is given (the app is then the HTTP API itself)', () => {
    const [, bucket] = evidenceBucketOf(synth().stateful);
    expect(bucket.Properties.CorsConfiguration.CorsRules[0].AllowedOrigins).toEqual([{ 'Fn::Join': ['', ['https://*.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] }]);
  });
});
