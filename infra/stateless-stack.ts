/**
 * What a deployment replaces: the Lambdas, the schedules (generated from the one cron table, in
 * Asia/Shanghai, with retries and a dead-letter queue), the jobs' on-failure queue, the HTTP API
 * with access logs and throttling, SES (identity, and a configuration set whose bounces and
 * complaints feed the suppression list), the link key in Secrets Manager, the first office
 * account, and the alarms that email the operator (infra/operations.ts). Its outputs are what
 * `npx duban --stack <name>` reads to find the table, the bucket and the mail settings.
 */
import { CfnOutput, Duration, Stack, TimeZone, Validations, type StackProps } from 'aws-cdk-lib';
import { HttpApi, type CfnStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Schedule, ScheduleExpression, ScheduleTargetInput, ContextAttribute } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { ConfigurationSet, ConfigurationSetEventDestination, EmailIdentity, EmailSendingEvent, EventDestination, Identity } from 'aws-cdk-lib/aws-ses';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { cadenceConfig } from '../functions/core/cadence/config.ts';
import { cronExpression, cronTable } from '../functions/core/cadence/schedule.ts';
import { DubanFunction } from './duban-function.ts';
import { STACK_OUTPUTS as stackOutputs } from '../functions/local/stack.ts';
import { OfficeAdmin } from './office-admin.ts';
import { Operations } from './operations.ts';
import { bindEvidence, bindEvidenceReader, evidenceProcessing } from './evidence.ts';

export interface DubanSettings {
  /** The domain mail is sent from (an SES identity to verify). */
  mailDomain: string;
  mailFrom: string;
  /** Where people open the app; links in every email. Defaults to the API's own URL. */
  appUrl?: string;
  /** DUBAN_CADENCE JSON, as in the sandbox. */
  cadence?: string;
  /** The first office (整改办) account, and where alarms are emailed. */
  adminEmail: string;
  adminName: string;
  /**
   * The office's SMTP server, for people whose 接收方式 is SMTP. The password is kept in Secrets
   * Manager: an existing secret (its ARN), or one the stack makes for the office to fill.
   */
  smtp?: { host: string; port: number; user?: string; passwordSecretArn?: string; ca?: string };
}


export interface StatelessStackProps extends StackProps {
  table: ITable;
  /** Where compiled reports are archived. */
  reports: IBucket;
  /** 佐证材料 files: the app signs uploads to it and keeps them (infra/evidence.ts). */
  evidence?: IBucket;
  settings: DubanSettings;
}

export class StatelessStack extends Stack {
  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { table, settings, reports } = props;

    const identity = new EmailIdentity(this, 'MailIdentity', { identity: Identity.domain(settings.mailDomain) });
    const sesEvents = new Topic(this, 'SesEvents', { enforceSSL: true });
    const configurationSet = new ConfigurationSet(this, 'MailConfiguration', { reputationMetrics: true });
    new ConfigurationSetEventDestination(this, 'BouncesAndComplaints', {
      configurationSet,
      destination: EventDestination.snsTopic(sesEvents),
      events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT],
    });

    const api = new HttpApi(this, 'Api', { description: 'duban: unit reports, report form, office API' });
    // The key that signs email links: generated here, readable by the two functions that sign.
    const linkKey = new Secret(this, 'LinkSecret', {
      description: 'duban: the key that signs the links in its emails',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    Validations.of(linkKey).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason: 'Rotating the link key would void every link already emailed (report forms for 14 days, archived reports for a year); the office replaces it deliberately (README, Deploying for a real office).',
    });
    const mail = {
      DUBAN_LINK_SECRET_ARN: linkKey.secretArn,
      DUBAN_MAIL_FROM: settings.mailFrom,
      DUBAN_SES_CONFIGURATION_SET: configurationSet.configurationSetName,
      DUBAN_APP_URL: settings.appUrl ?? api.apiEndpoint,
      ...(settings.cadence ? { DUBAN_CADENCE: settings.cadence } : {}),
      DUBAN_REPORTS_BUCKET: reports.bucketName,
    };
    const sendMail = new PolicyStatement({
      effect: Effect.ALLOW,
      // SendRawEmail carries the 台账 workbook attached to the leaders' digest.
      actions: ['ses:SendEmail', 'ses:SendRawEmail'],
      resources: [identity.emailIdentityArn, `arn:${this.partition}:ses:${this.region}:${this.account}:configuration-set/${configurationSet.configurationSetName}`],
    });

    const jobs = new DubanFunction(this, 'Jobs', { handler: 'scheduled-job', description: 'duban cadence jobs', timeout: Duration.minutes(15), memorySize: 1024, environment: mail }).bindTable(table);
    jobs.fn.addToRolePolicy(sendMail);
    // The outbox sends at the account's SES rate unless DUBAN_CADENCE sets one (GetSendQuota has no resource to name).
    jobs.fn.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['ses:GetSendQuota'], resources: ['*'] }));
    // The jobs compile and archive reports (and read them back to attach); the app only serves them.
    // Exact actions rather than the grant helpers' wildcards: nothing here deletes a report.
    const readReports = [
      new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:GetObject'], resources: [reports.arnForObjects('*')] }),
      new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:ListBucket'], resources: [reports.bucketArn] }),
    ];
    for (const statement of readReports) jobs.fn.addToRolePolicy(statement);
    jobs.fn.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:PutObject'], resources: [reports.arnForObjects('*')] }));
    if (settings.smtp) this.bindSmtp(jobs.fn, settings.smtp);
    const http = new DubanFunction(this, 'Http', { handler: 'http', description: 'duban HTTP app', environment: mail }).bindTable(table);
    for (const statement of readReports) http.fn.addToRolePolicy(statement);
    if (props.evidence) bindEvidence(http.fn, props.evidence);
    if (props.evidence) bindEvidenceReader(jobs.fn, props.evidence);
    // Kept photos get their JPEG (HEIC) and thumbnail in a function of their own: the decoders stay out of the others.
    const photos = props.evidence ? evidenceProcessing(this, props.evidence, table) : undefined;
    linkKey.grantRead(jobs.fn);
    linkKey.grantRead(http.fn);
    const sesFeedback = new DubanFunction(this, 'SesFeedback', { handler: 'ses-events', description: 'duban bounce and complaint suppression' }).bindTable(table);
    sesEvents.addSubscription(new LambdaSubscription(sesFeedback.fn));

    api.addRoutes({ path: '/{proxy+}', integration: new HttpLambdaIntegration('App', http.fn) });
    api.addRoutes({ path: '/', integration: new HttpLambdaIntegration('Root', http.fn) });
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: RetentionDays.ONE_YEAR });
    const stage = api.defaultStage!.node.defaultChild as CfnStage;
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({ requestId: '$context.requestId', ip: '$context.identity.sourceIp', method: '$context.httpMethod', path: '$context.path', status: '$context.status', latency: '$context.responseLatency' }),
    };
    stage.defaultRouteSettings = { throttlingBurstLimit: 50, throttlingRateLimit: 20 };

    const deadLetters = new Queue(this, 'ScheduleDeadLetters', { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    // A run that throws is retried twice by Lambda (the job is idempotent), then kept here.
    const failedRuns = new Queue(this, 'JobFailedRuns', { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    jobs.fn.configureAsyncInvoke({ onFailure: new SqsDestination(failedRuns), retryAttempts: 2 });
    const admin = new OfficeAdmin(this, 'OfficeAdmin', { table, name: settings.adminName, email: settings.adminEmail });
    const operations = new Operations(this, 'Operations', {
      operatorEmail: settings.adminEmail,
      jobs: jobs.fn,
      functions: [jobs.fn, http.fn, sesFeedback.fn, admin.fn.fn, ...(photos ? [photos.processing.fn] : [])],
      scheduleDeadLetters: deadLetters,
      failedRuns,
      ...(photos ? { failedPhotos: photos.failed } : {}),
    });
    for (const entry of cronTable(cadenceConfig(settings.cadence))) {
      new Schedule(this, `Schedule-${entry.job}`, {
        description: entry.description,
        schedule: ScheduleExpression.expression(cronExpression(entry), TimeZone.ASIA_SHANGHAI),
        target: new LambdaInvoke(jobs.fn, {
          input: ScheduleTargetInput.fromObject({ job: entry.job, at: ContextAttribute.scheduledTime }),
          retryAttempts: 3,
          maxEventAge: Duration.hours(2),
          deadLetterQueue: deadLetters,
        }),
      });
    }

    const output = (key: string, value: string, description: string) => new CfnOutput(this, key, { value, description });
    output(stackOutputs.apiUrl, api.apiEndpoint, 'The app: open it, sign in with adminEmail and upload the ledger workbook');
    output(stackOutputs.appUrl, mail.DUBAN_APP_URL, 'The base of every link in an email');
    output('MailIdentityName', settings.mailDomain, 'The SES domain identity: add its DKIM records to the DNS');
    output(stackOutputs.table, table.tableName, 'The DynamoDB table (retained when the stacks are deleted)');
    output(stackOutputs.reportsBucket, reports.bucketName, 'The archive of compiled circulars and monthly accounts (retained)');
    if (props.evidence) output(stackOutputs.evidenceBucket, props.evidence.bucketName, 'The 佐证材料 units upload (private; retained)');
    output(stackOutputs.linkSecretArn, linkKey.secretArn, 'The Secrets Manager secret that signs email links');
    output(stackOutputs.mailFrom, settings.mailFrom, 'The sender of every email');
    output(stackOutputs.configurationSet, configurationSet.configurationSetName, 'The SES configuration set (bounces and complaints)');
    output(stackOutputs.alarmTopic, operations.topic.topicArn, 'The alarm topic; adminEmail is subscribed (confirm the email SNS sends)');
    if (settings.cadence) output(stackOutputs.cadence, settings.cadence, 'The cadence settings (DUBAN_CADENCE)');
  }

  /**
   * SMTP for the jobs function only (the app sends sign-in links by SES): the server in its
   * environment, and read access to the password's secret, whose ARN it is given, not the password.
   */
  private bindSmtp(fn: NodejsFunction, smtp: NonNullable<DubanSettings['smtp']>) {
    fn.addEnvironment('DUBAN_SMTP_HOST', smtp.host);
    fn.addEnvironment('DUBAN_SMTP_PORT', String(smtp.port));
    fn.addEnvironment('DUBAN_SMTP_TLS', smtp.port === 465 ? 'tls' : 'starttls');
    if (smtp.ca) fn.addEnvironment('DUBAN_SMTP_CA', smtp.ca);
    if (!smtp.user) return;
    fn.addEnvironment('DUBAN_SMTP_USER', smtp.user);
    const password = smtp.passwordSecretArn
      ? Secret.fromSecretCompleteArn(this, 'SmtpPassword', smtp.passwordSecretArn)
      : new Secret(this, 'SmtpPassword', { description: 'duban: the password of the office SMTP server (put it with aws secretsmanager put-secret-value)' });
    if (password instanceof Secret) {
      Validations.of(password).acknowledge({
        id: 'AwsSolutions::AwsSolutions-SMG4',
        reason: 'The SMTP password is the mail server administrator\'s; it changes when they change it, and the office puts the new one in (README, Deploying for a real office).',
      });
    }
    password.grantRead(fn);
    fn.addEnvironment('DUBAN_SMTP_PASSWORD_ARN', password.secretArn);
    new CfnOutput(this, 'SmtpPasswordSecretArn', { value: password.secretArn, description: 'The Secrets Manager secret holding the SMTP password' });
  }
}
