/**
 * Someone is told when duban breaks. One SNS topic emails the operator (`adminEmail`; SNS asks
 * them to confirm the subscription once, right after the first deploy), and every alarm below
 * has it as its action (and tells it again when the alarm clears):
 * - JobErrors: the jobs function threw (a job failed; the office also sees it on the 总览 and in
 *   its next circular, with what to do);
 * - JobFailedRuns: a run failed all of Lambda's retries and went to the on-failure queue;
 * - JobDidNotRun-<job>: no completed run of that job in a UTC day (the jobs fire every day at
 *   08:30–16:00 Shanghai, all inside one UTC day; each completed run counts one JobRunsCompleted,
 *   see functions/handlers/job-metric.ts), so a schedule that stopped firing, a broken permission
 *   or a function that cannot start is noticed by the next morning;
 * - ScheduleDeadLetters: the scheduler could not invoke the jobs function at all;
 * - EvidenceProcessingFailed: a kept photo failed its processing (JPEG, thumbnail) after retries;
 * - Throttles: any function was throttled;
 * - SesBounceRate / SesComplaintRate: the account's reputation nears the rates at which SES puts
 *   sending under review (bounces 5 %, complaints 0.1 %): alarms at 4 % and 0.08 %.
 */
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { jobNames } from '../functions/core/cadence/schedule.ts';
import { JOB_RUN_METRIC } from '../functions/handlers/job-metric.ts';

/** SES reviews an account at a 5 % bounce rate and a 0.1 % complaint rate; the alarms come before that. */
export const SES_ALARM_RATES = { bounce: 0.04, complaint: 0.0008 } as const;

export interface OperationsProps {
  operatorEmail: string;
  jobs: IFunction;
  /** Every function, for the throttle alarm. */
  functions: IFunction[];
  scheduleDeadLetters: IQueue;
  failedRuns: IQueue;
  /** Where the photos' processing puts a file it failed on after its retries (infra/evidence.ts). */
  failedPhotos?: IQueue;
}

export class Operations extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Alarms', { displayName: 'duban alarms', enforceSSL: true });
    this.topic.addSubscription(new EmailSubscription(props.operatorEmail));
    const action = new SnsAction(this.topic);
    const alarm = (name: string, metric: IMetric, options: { threshold: number; below?: boolean; missing?: TreatMissingData; description: string }) => {
      const created = new Alarm(this, name, {
        metric,
        threshold: options.threshold,
        comparisonOperator: options.below ? ComparisonOperator.LESS_THAN_THRESHOLD : options.threshold === 0 ? ComparisonOperator.GREATER_THAN_THRESHOLD : ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: options.missing ?? TreatMissingData.NOT_BREACHING,
        alarmDescription: options.description,
      });
      created.addAlarmAction(action);
      created.addOkAction(action);
      return created;
    };

    alarm('JobErrors', props.jobs.metricErrors({ period: Duration.minutes(5) }), {
      threshold: 0,
      description: 'A duban job threw. The office sees it on the console overview and in its next circular, with what to do; the jobs log group has the details.',
    });
    alarm('JobFailedRuns', props.failedRuns.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }), {
      threshold: 0,
      description: 'A duban job run failed all its retries and went to the on-failure queue (the message holds the event; rerun it with npx duban --stack <stack> run <job> --at <instant>).',
    });
    for (const job of jobNames) {
      const completed = new Metric({
        namespace: JOB_RUN_METRIC.namespace,
        metricName: JOB_RUN_METRIC.name,
        dimensionsMap: { [JOB_RUN_METRIC.dimension]: job },
        statistic: 'Sum',
        period: Duration.days(1),
      });
      alarm(`JobDidNotRun-${job}`, completed, {
        threshold: 1,
        below: true,
        missing: TreatMissingData.BREACHING,
        description: `The duban job ${job} completed no run in a day: its schedule did not fire, or every run failed.`,
      });
    }
    alarm('ScheduleDeadLetters', props.scheduleDeadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }), {
      threshold: 0,
      description: 'A duban scheduled job could not be delivered to its Lambda after retries',
    });
    if (props.failedPhotos) {
      alarm('EvidenceProcessingFailed', props.failedPhotos.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }), {
        threshold: 0,
        description: 'A kept 佐证材料 photo could not be processed after retries (no JPEG or thumbnail yet; the message holds the S3 event). Rerun it with npx duban --stack <stack> evidence process <任务编号>.',
      });
    }
    const throttles = Object.fromEntries(props.functions.map((fn, i) => [`t${i}`, fn.metricThrottles({ period: Duration.minutes(5) })]));
    alarm('Throttles', new MathExpression({ expression: Object.keys(throttles).join(' + '), usingMetrics: throttles, period: Duration.minutes(5), label: 'throttled invocations' }), {
      threshold: 0,
      description: 'A duban function was throttled (account concurrency); requests or runs were refused.',
    });
    const ses = (metricName: string) => new Metric({ namespace: 'AWS/SES', metricName, statistic: 'Maximum', period: Duration.hours(1) });
    alarm('SesBounceRate', ses('Reputation.BounceRate'), {
      threshold: SES_ALARM_RATES.bounce,
      description: 'The SES bounce rate nears 5 %, where SES reviews the account: check the addresses the circular lists as undelivered.',
    });
    alarm('SesComplaintRate', ses('Reputation.ComplaintRate'), {
      threshold: SES_ALARM_RATES.complaint,
      description: 'The SES complaint rate nears 0.1 %, where SES reviews the account.',
    });
  }
}
