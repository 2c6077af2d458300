// The Dockerfile and docker-compose.yml mirror the embedded stack: the same Debian packages, server
// settings and extension files. (test/containers/ builds and runs them; these say where they differ.)

import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BASE_IMAGE, IMAGE } from '../../src/stack/docker';
import { PACKAGES, SERVER_SETTINGS } from '../../src/stack/stack';

const read = (f: string) => readFileSync(new URL(`../../${f}`, import.meta.url), 'utf8');

/** The settings the Dockerfile writes into postgresql.conf, the last line of each winning, as PostgreSQL reads them. */
function dockerfileSettings(dockerfile: string): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const m of dockerfile.matchAll(/"([a-z_.]+) = ('[^']*'|[^"]+)"/g)) settings[m[1]!] = m[2]!.replace(/^'|'$/g, '');
  return settings;
}

describe('Dockerfile and docker-compose.yml', () => {
  it('start from debian:sid and install exactly the embedded stack\'s Debian packages, without recommends, as mmdebstrap does', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(new RegExp(`^FROM ${BASE_IMAGE} AS bare$`, 'm'));
    expect(dockerfile).toMatch(/^FROM bare$/m);
    const installs = [...dockerfile.matchAll(/apt-get install -y --no-install-recommends \\\n\s+([^\n\\]+)/g)];
    expect(installs).toHaveLength(2);
    expect(installs.flatMap((m) => m[1]!.trim().split(/\s+/))).toEqual(PACKAGES);
    // The bare stage is the server the CLI's install is tested against: PostgreSQL, TimescaleDB, pljs.
    expect(installs[0]![1]!.trim().split(/\s+/)).toEqual(['postgresql-18', 'postgresql-18-timescaledb', 'postgresql-18-pljs']);
  });

  it('configure the embedded stack\'s server settings and install pg_centroid', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfileSettings(dockerfile)).toEqual({ listen_addresses: '*', ...SERVER_SETTINGS });
    expect(dockerfile).toContain("-c 'CREATE EXTENSION pg_centroid'");
    expect(dockerfile).toMatch(/^HEALTHCHECK .*CMD \["pg_isready", "-h", "\/tmp"/m);
  });

  it('copy the extension files that the build writes, and nothing else', () => {
    const copy = read('Dockerfile').match(/^COPY (.+) \/usr\/share\/postgresql\/18\/extension\/$/m);
    expect(copy?.[1]).toBe('extension/pg_centroid.control extension/pg_centroid--*.sql');
    expect(existsSync(new URL('../../extension/pg_centroid.control', import.meta.url))).toBe(true);
    const ignore = read('.dockerignore').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(ignore).toEqual(['*', '!Dockerfile', '!extension/pg_centroid.control', '!extension/pg_centroid--*.sql']);
  });

  it('build the image the container tests use and publish it on localhost only, on the port the README names', () => {
    const compose = read('docker-compose.yml');
    expect(compose).toMatch(new RegExp(`^    image: ${IMAGE}$`, 'm'));
    expect(compose).toContain('"127.0.0.1:${PG_CENTROID_COMPOSE_PORT:-54330}:5432"');
    expect(compose).toContain('DATABASE_URL=postgres://postgres@127.0.0.1:54330/postgres npm run demo');
    expect(read('README.md')).toContain('DATABASE_URL=postgres://postgres@127.0.0.1:54330/postgres npm run demo');
  });
});
