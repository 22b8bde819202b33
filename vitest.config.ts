import { defineConfig } from 'vitest/config'

// One test configuration for the whole workspace: unit tests sit next to their code,
// cross-package and end-to-end tests live in test/.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', './test/summaryReporter.ts'],
  },
})
