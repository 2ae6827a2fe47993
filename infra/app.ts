/** `npx cdk synth` / `npx cdk deploy`: the Clientele stack, checked by cdk-nag's AwsSolutions rules. */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readConfig } from './config';
import { ClienteleStack } from './stack';

const app = new App();
new ClienteleStack(app, 'Clientele', {
  config: readConfig(app),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  description: 'Clientele: customer management for MSPs',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
