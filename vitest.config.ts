import { defineConfig } from 'vitest/config';

const env = {
  CDK_DISABLE_CLI_TELEMETRY: 'true',
  POWERTOOLS_TRACE_ENABLED: 'false',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  POWERTOOLS_METRICS_DISABLED: 'true',
  AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1',
};

/**
 * Test tiers (docs/testing.md): `unit` needs nothing but Node (pure code and handlers over in-memory
 * ports); `infra` synthesizes the CDK app; `integration` starts real emulators (DynamoDB Local is a JVM)
 * and local mode; `browser` drives the console in Chromium. `npm test` runs them all.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Integration files each start their own emulators: two at a time on 2 cores.
    maxWorkers: 2,
    env,
    coverage: {
      provider: 'v8',
      include: ['shared/**/*.ts'],
      reporter: ['text-summary', 'json-summary'],
      // Ratchet: set at what the suite reaches, so coverage can only go up.
      thresholds: { statements: 63, branches: 63, functions: 59, lines: 66 },
    },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/functions/**/*.test.ts'] } },
      { extends: true, test: { name: 'infra', include: ['test/infra/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: [
            'test/adapters/**/*.test.ts',
            'test/integration/**/*.test.ts',
            'test/chaos/**/*.test.ts',
            'test/conformance/**/*.test.ts',
            'test/e2e/**/*.test.ts',
          ],
        },
      },
      { extends: true, test: { name: 'browser', include: ['test/browser/**/*.test.ts'] } },
    ],
  },
});
