/**
 * What a deployment replaces: the Lambdas, the schedules (generated from the one cron table, in
 * Asia/Shanghai, with retries and a dead-letter queue that raises an alarm), the HTTP API with
 * access logs and throttling, and SES (identity, and a configuration set whose bounces and
 * complaints feed the suppression list).
 */
import { CfnOutput, Duration, Stack, TimeZone, type StackProps } from 'aws-cdk-lib';
import { HttpApi, type CfnStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression, ScheduleTargetInput, ContextAttribute } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { ConfigurationSet, ConfigurationSetEventDestination, EmailIdentity, EmailSendingEvent, EventDestination, Identity } from 'aws-cdk-lib/aws-ses';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { cadenceConfig } from '../functions/core/cadence/config.ts';
import { cronExpression, cronTable } from '../functions/core/cadence/schedule.ts';
import { DubanFunction } from './duban-function.ts';

export interface DubanSettings {
  /** The domain mail is sent from (an SES identity to verify). */
  mailDomain: string;
  mailFrom: string;
  /** Where people open the app; links in every email. Defaults to the API's own URL. */
  appUrl?: string;
  /** DUBAN_CADENCE JSON, as in the sandbox. */
  cadence?: string;
}

export interface StatelessStackProps extends StackProps {
  table: ITable;
  /** Where compiled reports are archived. */
  reports: IBucket;
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
    const mail = {
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
    // The jobs compile and archive reports (and read them back to attach); the app only serves them.
    // Exact actions rather than the grant helpers' wildcards: nothing here deletes a report.
    const readReports = [
      new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:GetObject'], resources: [reports.arnForObjects('*')] }),
      new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:ListBucket'], resources: [reports.bucketArn] }),
    ];
    for (const statement of readReports) jobs.fn.addToRolePolicy(statement);
    jobs.fn.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:PutObject'], resources: [reports.arnForObjects('*')] }));
    const http = new DubanFunction(this, 'Http', { handler: 'http', description: 'duban HTTP app', environment: mail }).bindTable(table);
    for (const statement of readReports) http.fn.addToRolePolicy(statement);
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
    new Alarm(this, 'ScheduleDeadLettersAlarm', {
      metric: deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: 'A duban scheduled job could not be delivered to its Lambda after retries',
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

    new CfnOutput(this, 'ApiUrl', { value: api.apiEndpoint });
    new CfnOutput(this, 'MailIdentityName', { value: settings.mailDomain });
  }
}
