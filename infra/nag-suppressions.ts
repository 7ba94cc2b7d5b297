/** cdk-nag findings reviewed and accepted on the stateless stack, each with its reason. */
import { Validations, type Stack } from 'aws-cdk-lib';

export function suppressReviewedFindings(stateless: Stack, tableExport: string, jobsFunctionArn: string, reportsExport: string) {
  const acknowledge = (id: string, reason: string) => Validations.of(stateless).acknowledge({ id: `AwsSolutions::AwsSolutions-${id}`, reason });
  acknowledge('APIG4', 'The app authorises every /api call itself (per-unit and office bearer tokens, kept as hashes) and every form by a signed, expiring link; see functions/http/auth.ts.');
  acknowledge('IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', 'The AWS-managed basic execution role only lets a function write its own logs.');
  acknowledge(`IAM5[Resource::${tableExport}/index/*]`, 'CDK grants on the one table include its three indexes (byCollection, byDue, byOpen), which the store queries.');
  acknowledge(`IAM5[Resource::<${jobsFunctionArn}.Arn>:*]`, 'EventBridge Scheduler may invoke any version of the jobs function; the grant is scoped to that one function.');
  acknowledge(`IAM5[Resource::${reportsExport}/*]`, 'Reports are objects in the one report bucket, one key per file (<kind>/<period>/<file>); the jobs get and put them, the app gets them, nothing deletes.');
  acknowledge('IAM5[Resource::*]', 'ses:GetSendQuota names no resource (the account\'s sending quota); it is the only action granted on *, to the jobs function, which reads its sending rate.');
  acknowledge('SQS3', 'This queue is itself the dead-letter queue of the schedules; it has an alarm on any message.');
}
