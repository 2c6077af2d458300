import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Database tests each use their own database; two workers match the machine's two cores.
    maxWorkers: 2,
    // The container tests have a global setup of their own (a Docker engine and the project's
    // images), which runs only when one of their files is selected.
    projects: [
      { extends: true, test: { name: 'server', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, 'test/containers/**'] } },
      { extends: true, test: { name: 'containers', include: ['test/containers/**/*.test.ts'], globalSetup: ['test/containers/setup.ts'] } },
    ],
  },
});
