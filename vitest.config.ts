import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The longest lab files start first, so that the whole suite is not held up by one of them
 * starting last (a fresh checkout has no timing cache for vitest to sort by).
 */
const LONGEST_FIRST = [
  'test/e2e/roles.test.ts',
  'test/e2e/rotate-ca.test.ts',
  'test/e2e/nomad-acl-gossip.test.ts',
  'test/e2e/mtls-1x15.test.ts',
  'test/e2e/rotate.test.ts',
  'test/e2e/rotate-ct.test.ts',
  'test/e2e/mtls-vault-modes.test.ts',
  'test/e2e/modules-system.test.ts',
  'test/e2e/mtls.test.ts',
  'test/e2e/packages.test.ts',
  'test/differential/differential.test.ts',
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification): number => {
      const i = LONGEST_FIRST.findIndex((p) => f.moduleId.endsWith(p));
      return i < 0 ? LONGEST_FIRST.length : i;
    };
    return sorted.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i).map((x) => x.f);
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 300_000,
    pool: 'forks',
    fileParallelism: true,
    // e2e files mostly wait (sshd hosts, stand-ins, gate retries): four at once keep both cores busy
    maxWorkers: 4,
    sequence: { sequencer: LongestFirst },
  },
});
