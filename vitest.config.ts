import { configDefaults, defineConfig } from 'vitest/config';

/** What `npm test` and `npm run test:scale` (vitest.scale.config.ts) share. */
export const shared = {
  // Each file gets its own process (its own engines and environment); two at a time on 2 cores.
  pool: 'forks' as const,
  poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  testTimeout: 30_000,
  hookTimeout: 120_000,
  env: { AWS_REGION: 'us-east-1', POWERTOOLS_LOG_LEVEL: 'WARN', AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
};

/**
 * `npm test`: everything but test/scale (`npm run test:scale`). The infrastructure tests are their
 * own project so that their one `cdk synth` (test/support/synth-setup.ts) runs only when one of
 * them is in the run; both projects share the two forks.
 */
export default defineConfig({
  test: {
    ...shared,
    projects: [
      { extends: true, test: { name: 'app', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, 'test/infra/**', 'test/scale/**'] } },
      // The synthesis bundles every function while the other files run; a file waits for it in its beforeAll.
      { extends: true, test: { name: 'infra', include: ['test/infra/**/*.test.ts'], globalSetup: ['test/support/synth-setup.ts'], hookTimeout: 300_000 } },
    ],
  },
});
