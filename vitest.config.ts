import { defineConfig } from 'vitest/config';

// Two projects: `unit` (the clustering core, settings and quoting) runs in Node alone, with no database and no
// root; `db` (the extension on the real server, the CLI and the client) starts the embedded stack first, or uses
// DATABASE_URL. `npx vitest run --project unit` runs the first alone.
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Database tests each use their own database; two workers match the machine's two cores.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/core/**/*.test.ts', 'test/config/**/*.test.ts', 'test/sql/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'db',
          include: ['test/**/*.test.ts'],
          exclude: ['test/core/**', 'test/config/**', 'test/sql/**'],
          globalSetup: ['test/global-setup.ts'],
        },
      },
    ],
  },
});
