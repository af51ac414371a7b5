import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { MailroomStack } from './mailroom-stack';

// Environment-agnostic on purpose: synth needs no credentials and does no lookups.
const app = new App();
new MailroomStack(app, 'Mailroom', {
  description: 'Mailroom: serverless email pipeline (API, lanes, SES, scheduling, tracking)',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
