// The embedded stack's start-up error when its port is taken (for example by another clone's stack):
// it names the port and the two ways out instead of pg_ctl's "Examine the log output".

import { createServer } from 'node:net';
import { expect, it } from 'vitest';
import { isRunning, separateInstance, up } from '../../src/stack/stack';

it('names the port taken and how to choose another when the embedded server cannot listen', async () => {
  const port = 53000 + (process.pid % 1000);
  const instance = separateInstance('port_test', port);
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
  try {
    expect(() => up(() => {}, instance)).toThrow(`port ${port} is already in use`);
    expect(() => up(() => {}, instance)).toThrow(`PG_CENTROID_PORT=${port + 1}`);
    expect(isRunning(instance)).toBe(false);
  } finally {
    await new Promise((resolve) => blocker.close(resolve));
  }
}, 120_000);
