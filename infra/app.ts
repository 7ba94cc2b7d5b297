/**
 * The CDK app: stacks split by lifetime. Settings come from context (cdk.json or `-c`):
 * mailDomain (required), mailFrom, appUrl (optional), cadence (optional JSON); they are checked
 * before any stack is built (infra/settings.ts). cdk-nag's AwsSolutions checks run on every synth.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { suppressReviewedFindings } from './nag-suppressions.ts';
import { DeploySettingError, deploySettings } from './settings.ts';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';
import { acknowledgeEvidenceGrants } from './evidence.ts';

export function buildApp(app = new App()) {
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const settings = deploySettings(app, env.region);
  const stateful = new StatefulStack(app, 'DubanStateful', { env, appUrl: settings.appUrl });
  const stateless = new StatelessStack(app, 'DubanStateless', {
    env,
    table: stateful.table,
    reports: stateful.reports,
    evidence: stateful.evidence,
    settings,
  });
  // The finding ids name the cross-stack exports of the table and the report bucket, and the jobs function's logical id.
  suppressReviewedFindings(stateless, 'DubanStateful:ExportsOutputFnGetAttLedgerB7379752Arn8FB7B3DC', 'JobsFunction0F6DA2A5', 'DubanStateful:ExportsOutputFnGetAttReports65402A0AArn549BAC56');
  acknowledgeEvidenceGrants(stateless, 'DubanStateful:ExportsOutputFnGetAttEvidence4CC26D68Arn9E0A376E');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stateful, stateless };
}

if (process.argv[1] && import.meta.filename === (await import('node:fs')).realpathSync(process.argv[1])) {
  try {
    buildApp().app.synth();
  } catch (error) {
    // A setting the person deploying must give: say which and how, without a stack trace.
    if (!(error instanceof DeploySettingError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
