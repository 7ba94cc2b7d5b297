/**
 * The deployment's first office account: a custom resource whose provider function (a duban
 * function like the others, functions/handlers/bootstrap-admin.ts) puts the admin named at deploy
 * time into the ledger with the 整改办 role, through the store, so the item has the shape every
 * other person has. Deploying again with another adminEmail updates that person.
 */
import { CustomResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { DubanFunction } from './duban-function.ts';

export interface OfficeAdminProps {
  table: ITable;
  name: string;
  email: string;
}

export class OfficeAdmin extends Construct {
  readonly resource: CustomResource;
  readonly fn: DubanFunction;

  constructor(scope: Construct, id: string, props: OfficeAdminProps) {
    super(scope, id);
    this.fn = new DubanFunction(this, 'Bootstrap', { handler: 'bootstrap-admin', description: 'duban first office account', timeout: Duration.minutes(1) }).bindTable(props.table);
    const provider = new Provider(this, 'Provider', { onEventHandler: this.fn.fn });
    const fnId = Stack.of(this).getLogicalId(this.fn.fn.node.defaultChild as CfnFunction);
    Validations.of(provider).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${fnId}.Arn>:*]`,
      reason: 'The custom resource framework may invoke any version of the one bootstrap function; the grant names that function.',
    });
    this.resource = new CustomResource(this, 'Admin', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::DubanOfficeAdmin',
      properties: { AdminName: props.name, AdminEmail: props.email },
    });
  }
}
