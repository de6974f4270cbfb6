import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 300_000,
    pool: 'forks',
    fileParallelism: true,
    // e2e files mostly wait (sshd hosts, stand-ins, gate retries): four at once keep both cores busy
    maxWorkers: 4,
  },
});
