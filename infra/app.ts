import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SettingsError } from './constructs/settings';
import { MailroomStack } from './mailroom-stack';

// Environment-agnostic on purpose: synth needs no credentials and does no lookups.
const app = new App();
try {
  new MailroomStack(app, 'Mailroom', {
    description: 'Mailroom: serverless email pipeline (API, lanes, SES, scheduling, tracking)',
  });
} catch (error) {
  // A wrong or missing context value: say what to pass, without a stack trace.
  if (error instanceof SettingsError) {
    console.error(`\n${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
