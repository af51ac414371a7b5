import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Integration files each start their own emulators (DynamoDB Local is a JVM): two at a time on 2 cores.
    maxWorkers: 2,
    env: {
      CDK_DISABLE_CLI_TELEMETRY: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      POWERTOOLS_METRICS_DISABLED: 'true',
      AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1',
    },
  },
});
