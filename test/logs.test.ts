import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { deleteKeysWithPrefix } from '../src/store/redis';
import { jsonLines, LEVEL, LogCapture } from './support/logs';
import { assertBuilt, MAIN_JS, startGatewayProcess } from './support/process';
import { testRedisUrl } from './support/redis';
import { startStack } from './support/stack';

const GROUPS = `query Groups { skillGroups(page: 1, pageSize: 5) { total records { sn } } }`;

describe('log lines', () => {
  it('a sandbox-mode gateway left idle logs its callbacks and platform calls at debug, never at info', async () => {
    const prefix = `test:${randomUUID()}:`;
    const proc = await startGatewayProcess({ REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, LOG_LEVEL: 'debug' });
    try {
      // The sandbox's simulated agents and IVR calls push callbacks several times a second.
      await new Promise((r) => setTimeout(r, 3000));
    } finally {
      await proc.stop();
      await deleteKeysWithPrefix(testRedisUrl(), prefix);
    }
    const lines = jsonLines(proc.output);
    const started = lines.findIndex((l) => l.msg === 'gateway listening');
    const idle = lines.slice(started + 1).filter((l) => l.msg !== 'shutting down' && l.msg !== 'gateway stopped');
    const callbacks = idle.filter((l) => l.msg === 'callback received');
    expect(callbacks.length).toBeGreaterThan(3);
    expect(callbacks.every((l) => l.level === LEVEL.debug)).toBe(true);
    const chatty = ['callback received', 'upstream call', 'IVR transfer decided'];
    expect(idle.filter((l) => l.level >= LEVEL.info && chatty.includes(l.msg))).toEqual([]);
  });

  it('an operation writes exactly one info line, with its request id, name, duration, platform calls and outcome', async () => {
    const logs = new LogCapture();
    const stack = await startStack({ env: { LOG_LEVEL: 'info' }, logs });
    try {
      const id = `one-line-${randomUUID()}`;
      const res = await request(`${stack.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await stack.token()}`, 'x-request-id': id },
        body: JSON.stringify({ query: GROUPS }),
      });
      expect(res.statusCode).toBe(200);
      await res.body.dump();
      expect(logs.lines.filter((l) => l.msg === 'upstream call')).toEqual([]);
      const info = logs.lines.filter((l) => l.level >= LEVEL.info && l.requestId === id);
      expect(info).toEqual([
        expect.objectContaining({ msg: 'graphql operation', operation: 'Groups', type: 'query', upstreamCalls: 1, outcome: 'ok' }),
      ]);
      expect(typeof info[0].ms).toBe('number');
    } finally {
      await stack.close();
    }
  });

  it('LOG_LEVEL=warn leaves the operation lines out', async () => {
    const logs = new LogCapture();
    const stack = await startStack({ env: { LOG_LEVEL: 'warn' }, logs });
    try {
      expect((await stack.gql(GROUPS)).errors).toBeUndefined();
      expect(logs.lines.filter((l) => l.level < LEVEL.warn)).toEqual([]);
    } finally {
      await stack.close();
    }
  });

  // `script` (util-linux) gives the gateway a terminal for standard output, as a person running npm start has.
  const hasScript = spawnSync('script', ['--version']).status === 0;
  (hasScript ? it : it.skip)('in sandbox mode on a terminal the lines are readable (pino-pretty), not JSON', async () => {
    if (!hasScript) console.warn('skipped: util-linux `script` is not installed, so no terminal can be given to the gateway');
    assertBuilt();
    const prefix = `test:${randomUUID()}:`;
    const child = spawn('script', ['-qfec', `${process.execPath} ${MAIN_JS}`, '/dev/null'], {
      env: {
        PATH: process.env.PATH ?? '',
        PORT: '0',
        HOST: '127.0.0.1',
        REDIS_URL: testRedisUrl(),
        REDIS_PREFIX: prefix,
        LOG_LEVEL: 'info',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    try {
      const deadline = Date.now() + 20_000;
      while (!output.includes('gateway listening') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await deleteKeysWithPrefix(testRedisUrl(), prefix);
    }
    // eslint-disable-next-line no-control-regex
    const plain = output.replace(/\u001b\[[0-9;]*m/g, '');
    expect(plain).toMatch(/INFO.*gateway listening/);
    expect(plain).not.toContain('"msg":"gateway listening"');
  });
});
