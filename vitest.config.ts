import { configDefaults, defineConfig } from 'vitest/config';

// Three projects: `unit` (the clustering core, settings, quoting and generated SQL, the shape of src/) runs in Node alone, with no
// database and no root; `db` (the extension on the real server, the CLI and the client) starts the embedded stack
// first, or uses DATABASE_URL; `containers` (the image, docker compose, testcontainers) has a global setup of its own
// (a Docker engine and the project's images), which runs only when one of its files is selected.
// `npx vitest run --project unit` runs the first alone.
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Database tests each use their own database; two workers match the machine's two cores.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/core/**/*.test.ts', 'test/config/**/*.test.ts', 'test/sql/**/*.test.ts', 'test/structure/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'db',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/core/**', 'test/config/**', 'test/sql/**', 'test/structure/**', 'test/containers/**'],
          globalSetup: ['test/global-setup.ts'],
        },
      },
      {
        extends: true,
        test: { name: 'containers', include: ['test/containers/**/*.test.ts'], globalSetup: ['test/containers/setup.ts'] },
      },
    ],
  },
});
