// The compose service cannot run here (no Docker engine), so these check that its Dockerfile mirrors
// the tested embedded stack: the same Debian packages, server options and extension files.

import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PACKAGES } from '../../src/stack/stack';

const read = (f: string) => readFileSync(new URL(`../../${f}`, import.meta.url), 'utf8');

describe('Dockerfile and docker-compose.yml', () => {
  it('install exactly the embedded stack\'s Debian packages, from sid', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(/^FROM debian:sid$/m);
    const install = dockerfile.match(/apt-get install -y \\\n\s+([^\n\\]+)/);
    expect(install?.[1]?.trim().split(/\s+/)).toEqual(PACKAGES);
  });

  it('start the server with the embedded stack\'s preload libraries and install pg_centroid', () => {
    const dockerfile = read('Dockerfile');
    const stack = read('src/stack/stack.ts');
    expect(stack).toContain("'-c shared_preload_libraries=timescaledb,pg_cron'");
    expect(dockerfile).toContain(`"shared_preload_libraries = 'timescaledb,pg_cron'"`);
    expect(dockerfile).toContain("-c 'CREATE EXTENSION pg_centroid'");
  });

  it('copy extension files that the build writes', () => {
    const copy = read('Dockerfile').match(/^COPY (.+) \/usr\/share\/postgresql\/18\/extension\/$/m);
    expect(copy).not.toBeNull();
    expect(existsSync(new URL('../../extension/pg_centroid.control', import.meta.url))).toBe(true);
    expect(copy?.[1]).toBe('extension/pg_centroid.control extension/pg_centroid--*.sql');
  });

  it('publish the server on localhost only, on the port the README names', () => {
    const compose = read('docker-compose.yml');
    expect(compose).toContain('"127.0.0.1:54330:5432"');
    expect(compose).toContain('DATABASE_URL=postgres://postgres@127.0.0.1:54330/postgres npm run demo');
  });
});
