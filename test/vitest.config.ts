import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs nothing but Node; `integration` talks to a real Pulsar broker
// (started once per run by the global setup) and to real child processes.
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    reporters: ['default', ['json', { outputFile: '.knmesh/test-report.json' }]],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/pulsar-global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          // Files share one broker and the machine has two cores: run files one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
