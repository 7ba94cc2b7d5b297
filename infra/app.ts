/** The CDK app: stacks split by lifetime. */
import { App } from 'aws-cdk-lib';
import { StatefulStack } from './stateful-stack.ts';

const app = new App();
new StatefulStack(app, 'DubanStateful', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
app.synth();
