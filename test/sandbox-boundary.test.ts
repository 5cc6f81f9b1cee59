import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { mintToken } from '../src/auth/jwt';
import { startSandbox, type Sandbox } from '../sandbox/server';
import { runToExit, startGatewayProcess } from './support/process';
import { testRedisUrl } from './support/redis';
import { platformEnv } from './support/sandbox';
import { JWT_SECRET } from './support/stack';

const ROOT = join(__dirname, '..');

/** Every .ts file under a folder. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

describe('the sandbox beside the gateway', () => {
  it('imports nothing from src/ (only the spec data)', () => {
    for (const file of sources(join(ROOT, 'sandbox'))) {
      const imports = [...readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      expect({ file, bad: imports.filter((i) => i.includes('/src/') || /^(\.\.\/)+src\b/.test(i)) }).toEqual({ file, bad: [] });
    }
  });

  describe('a deployment without the sandbox (dist/src and dist/spec only)', () => {
    let dir: string;
    let sandbox: Sandbox;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'occ-gateway-without-sandbox-'));
      cpSync(join(ROOT, 'dist', 'src'), join(dir, 'dist', 'src'), { recursive: true });
      cpSync(join(ROOT, 'dist', 'spec'), join(dir, 'dist', 'spec'), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
      sandbox = await startSandbox();
    });
    afterAll(async () => {
      await sandbox?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('serves the platform configured by VCALL_BASE_URL: the gateway never loads the simulator', async () => {
      const gateway = await startGatewayProcess(
        {
          NODE_ENV: 'production',
          ...platformEnv(sandbox),
          REDIS_URL: testRedisUrl(),
          REDIS_PREFIX: `test:${Date.now()}:${Math.random()}:`,
          HOOK_SECRET: 'hook-secret-without-sandbox',
          AUTH_JWT_SECRET: JWT_SECRET,
        },
        join(dir, 'dist', 'src', 'main.js'),
      );
      try {
        const jwt = await mintToken(JWT_SECRET, { sub: 'deployed', roles: ['admin'] });
        const res = await request(`${gateway.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` },
          body: JSON.stringify({ query: '{ skillGroups(page: 1, pageSize: 5) { total } }' }),
        });
        const body = (await res.body.json()) as { data?: { skillGroups: { total: number } }; errors?: unknown };
        expect(body.errors).toBeUndefined();
        expect(body.data!.skillGroups.total).toBeGreaterThan(0);
      } finally {
        await gateway.stop();
      }
    });

    it('needs the simulator only in sandbox mode (no VCALL_BASE_URL), and says so', async () => {
      const { code, output } = await runToExit({}, 15_000, join(dir, 'dist', 'src', 'main.js'));
      expect(code).not.toBe(0);
      expect(output).toMatch(/sandbox/);
    });
  });
});
