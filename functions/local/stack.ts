/**
 * `npx duban --stack <StackName> <verb>`: the CLI against a deployed duban instead of the sandbox.
 * The stack's outputs (CloudFormation DescribeStacks, with the caller's AWS credentials and
 * region) name the table, the report and evidence buckets, the link key's secret, the sender, the SES
 * configuration set and the app's address (infra/stateless-stack.ts, `stackOutputs`); the
 * dependencies are then built exactly as a Lambda builds them. The only difference from AWS is an
 * endpoint given in the environment (DUBAN_DYNAMODB_ENDPOINT …; DUBAN_CLOUDFORMATION_ENDPOINT for
 * the lookup), which is how the tests run a verb against dynalite.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { buildDeps, readConfig } from '../wiring.ts';
import { LocalError } from './errors.ts';
import type { LocalConnection } from './local-env.ts';

/** The output keys a duban stack publishes (infra/stateless-stack.ts writes them under these keys). */
export const STACK_OUTPUTS = {
  table: 'TableName',
  reportsBucket: 'ReportsBucketName',
  /** 佐证材料 (infra/evidence.ts): absent from a stack deployed before evidence files existed. */
  evidenceBucket: 'EvidenceBucket',
  linkSecretArn: 'LinkSecretArn',
  mailFrom: 'MailFrom',
  configurationSet: 'MailConfigurationSet',
  appUrl: 'AppUrl',
  apiUrl: 'ApiUrl',
  cadence: 'Cadence',
  alarmTopic: 'AlarmTopicArn',
} as const;

export const DEFAULT_REGION = 'ap-southeast-1';

export const regionOf = (env: NodeJS.ProcessEnv) => env.AWS_REGION || env.AWS_DEFAULT_REGION || DEFAULT_REGION;

/** The outputs of a stack, by key. Refuses, in Chinese, a stack that is not there or cannot be read. */
export async function stackOutputs(stackName: string, env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  const region = regionOf(env);
  const client = new CloudFormationClient({
    region,
    ...(env.DUBAN_CLOUDFORMATION_ENDPOINT ? { endpoint: env.DUBAN_CLOUDFORMATION_ENDPOINT } : {}),
    // Keys in the environment the command was given; otherwise the SDK's usual chain (profile, SSO …).
    ...(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN } }
      : {}),
  });
  try {
    const { Stacks: stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = stacks?.[0];
    if (!stack) throw notFound(stackName, region);
    return Object.fromEntries((stack.Outputs ?? []).filter((o) => o.OutputKey && o.OutputValue !== undefined).map((o) => [o.OutputKey!, o.OutputValue!]));
  } catch (error) {
    throw lookupError(error, stackName, region);
  } finally {
    client.destroy();
  }
}

const notFound = (stackName: string, region: string) =>
  new LocalError('STACK_NOT_FOUND', `在区域 ${region} 找不到部署栈“${stackName}”：请核对栈名（cdk deploy 输出的无状态栈，默认 DubanStateless）和区域（AWS_REGION）`, '--stack');

function lookupError(error: unknown, stackName: string, region: string): LocalError {
  if (error instanceof LocalError) return error;
  const { name = '', message = '' } = (error ?? {}) as { name?: string; message?: string };
  if (/does not exist/i.test(message)) return notFound(stackName, region);
  if (name === 'CredentialsProviderError' || /credential/i.test(message)) {
    return new LocalError('STACK_CREDENTIALS', '找不到 AWS 凭证：请先配置（aws configure，或设置 AWS_PROFILE / AWS_ACCESS_KEY_ID），所用身份须能读取该栈、表和存储桶', '--stack');
  }
  if (/AccessDenied|not authorized/i.test(`${name} ${message}`)) {
    return new LocalError('STACK_FORBIDDEN', `当前 AWS 身份无权读取部署栈“${stackName}”（需要 cloudformation:DescribeStacks）：请换用部署时的身份或请管理员授权`, '--stack');
  }
  const first = (message.split('\n').find((l) => l.trim()) ?? name) || '未知错误';
  return new LocalError('STACK_UNREADABLE', `读取部署栈“${stackName}”（区域 ${region}）的输出失败：${first.trim()}`, '--stack');
}

/**
 * Connects the CLI to a deployed stack: its table and bucket, its link key and mail settings. The
 * store is AWS's (or the endpoint the environment names); nothing is created or opened locally.
 */
export interface DeployedStack {
  name: string;
  region: string;
  table: string;
  /** The evidence bucket the stack outputs; undefined when it outputs none. */
  evidenceBucket?: string;
}

export async function connectStack(stackName: string, env: NodeJS.ProcessEnv): Promise<LocalConnection & { stack: DeployedStack }> {
  const outputs = await stackOutputs(stackName, env);
  const table = outputs[STACK_OUTPUTS.table];
  if (!table) {
    throw new LocalError(
      'STACK_OUTPUTS',
      `部署栈“${stackName}”没有输出 ${STACK_OUTPUTS.table}：请指定督办的无状态栈（默认 DubanStateless，其输出含 ${STACK_OUTPUTS.table}），或用当前版本重新部署`,
      '--stack',
    );
  }
  const given = (key: string) => outputs[key] || undefined;
  const region = regionOf(env);
  const evidenceBucket = given(STACK_OUTPUTS.evidenceBucket);
  // The stack's bucket or none: never one the shell happens to name.
  const stackEnv = { ...env, DUBAN_EVIDENCE_BUCKET: evidenceBucket };
  const deps = buildDeps(
    readConfig({
      ...stackEnv,
      AWS_REGION: region,
      DUBAN_TABLE: table,
      DUBAN_REPORTS_BUCKET: given(STACK_OUTPUTS.reportsBucket) ?? env.DUBAN_REPORTS_BUCKET,
      DUBAN_LINK_SECRET_ARN: given(STACK_OUTPUTS.linkSecretArn),
      DUBAN_MAIL_FROM: given(STACK_OUTPUTS.mailFrom) ?? env.DUBAN_MAIL_FROM,
      DUBAN_SES_CONFIGURATION_SET: given(STACK_OUTPUTS.configurationSet),
      DUBAN_APP_URL: given(STACK_OUTPUTS.appUrl) ?? given(STACK_OUTPUTS.apiUrl) ?? env.DUBAN_APP_URL,
      DUBAN_CADENCE: given(STACK_OUTPUTS.cadence) ?? env.DUBAN_CADENCE,
    }),
    stackEnv,
  );
  return {
    deps,
    dynamoEndpoint: env.DUBAN_DYNAMODB_ENDPOINT ?? `dynamodb.${region}.amazonaws.com`,
    sesEndpoint: env.DUBAN_SES_ENDPOINT ?? `email.${region}.amazonaws.com`,
    sandboxRunning: false,
    stack: { name: stackName, region, table, ...(evidenceBucket ? { evidenceBucket } : {}) },
    async close() {
      deps.dynamo.destroy();
      deps.ses.destroy();
    },
  };
}
