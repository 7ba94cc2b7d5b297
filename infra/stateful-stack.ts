/**
 * What outlives a deployment: the single DynamoDB table, shaped by the same definition the
 * local emulator uses (functions/store/table.ts), with point-in-time recovery, deletion
 * protection and retention; the report archive bucket (encrypted, TLS only, no public
 * access, versioned, access-logged, retained); and the evidence bucket (infra/evidence.ts).
 */
import { Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { tableIndexes, tableKeys } from '../functions/store/table.ts';
import { appOrigins, evidenceBucket } from './evidence.ts';

export interface StatefulStackProps extends StackProps {
  /** Where people open the app: the evidence bucket admits browser uploads from its origin only. */
  appUrl?: string;
}

export class StatefulStack extends Stack {
  readonly table: Table;
  /** Where compiled circulars and monthly accounts are archived. */
  readonly reports: Bucket;
  /** 佐证材料: the photos and documents units upload (infra/evidence.ts). */
  readonly evidence: Bucket;

  constructor(scope: Construct, id: string, props?: StatefulStackProps) {
    super(scope, id, props);
    this.table = new Table(this, 'Ledger', {
      partitionKey: { name: tableKeys.partition, type: AttributeType.STRING },
      sortKey: { name: tableKeys.sort, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const accessLogs = new Bucket(this, 'ReportAccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason: 'This bucket receives the report bucket’s access logs; logging it into itself would loop.',
    });
    this.reports = new Bucket(this, 'Reports', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'reports/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.evidence = evidenceBucket(this, accessLogs, appOrigins(props?.appUrl, this));
    for (const index of tableIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partition, type: AttributeType.STRING },
        sortKey: { name: index.sort, type: AttributeType.STRING },
      });
    }
  }
}
