import { defineConfig } from 'vitest/config';
import { shared } from './vitest.config';

/**
 * `npm run test:scale`: the tests that are there for volume (a 50,000-row import, a 10,000-user
 * Microsoft 365 tenant), kept out of `npm test` so that it stays fast as the suite grows.
 * `.ci/run` runs them after `npm test`. One file at a time: each drives its own DynamoDB Local
 * (which runs one transaction at a time) as hard as it can, and two at once on 2 cores only
 * slow each other down.
 */
export default defineConfig({ test: { ...shared, include: ['test/scale/**/*.test.ts'], fileParallelism: false } });
