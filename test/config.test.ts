import { ConfigError, loadConfig } from '../src/config';
import { runToExit } from './support/process';

describe('configuration', () => {
  it('runs in sandbox mode without VCALL_BASE_URL, with the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ sandbox: true, port: 4000, upstreamTimeoutMs: 10_000, redisUrl: undefined });
  });

  it('derives the notice and open hosts from the main host unless given', () => {
    const c = loadConfig({
      VCALL_BASE_URL: 'https://cc.example.test/',
      VCALL_OPEN_BASE_URL: 'http://10.0.0.1:8080',
      VCALL_ACCESS_KEY_ID: 'id',
      VCALL_ACCESS_KEY_SECRET: 'secret',
      HOOK_SECRET: 'hook',
      AUTH_JWT_SECRET: 'x'.repeat(32),
      REDIS_URL: 'redis://127.0.0.1:6379',
    });
    expect(c.upstream).toEqual({ cc: 'https://cc.example.test', notice: 'https://cc.example.test', open: 'http://10.0.0.1:8080' });
  });

  it('reads the callback source allow-list as addresses and ranges, IPv4 and IPv6', () => {
    expect(loadConfig({ HOOK_ALLOW_CIDRS: ' 10.0.0.0/8, 192.0.2.7 ,2001:db8::/32,' }).hookAllowCidrs).toEqual(['10.0.0.0/8', '192.0.2.7', '2001:db8::/32']);
    expect(loadConfig({}).hookAllowCidrs).toEqual([]);
  });

  it('reads TRUST_PROXY as a hop count or a list of proxy addresses, ranges and names; no proxy trusted by default', () => {
    expect(loadConfig({}).trustProxy).toBe(0);
    expect(loadConfig({ TRUST_PROXY: '' }).trustProxy).toBe(0);
    expect(loadConfig({ TRUST_PROXY: '0' }).trustProxy).toBe(0);
    expect(loadConfig({ TRUST_PROXY: ' 2 ' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback' }).trustProxy).toEqual(['loopback']);
    expect(loadConfig({ TRUST_PROXY: ' loopback, 10.0.0.0/8 ,192.0.2.7,2001:db8::/32,uniquelocal,linklocal,' }).trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
      '192.0.2.7',
      '2001:db8::/32',
      'uniquelocal',
      'linklocal',
    ]);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ VCALL_BASE_URL: 'cc.v-call.cn' }, 'VCALL_BASE_URL'],
    [{ UPSTREAM_TIMEOUT_MS: '-5' }, 'UPSTREAM_TIMEOUT_MS'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL'],
    [{ AUTH_JWT_SECRET: 'short' }, 'AUTH_JWT_SECRET'],
    [{ VCALL_BASE_URL: 'https://cc.example.test' }, 'VCALL_ACCESS_KEY_ID'],
    [{ HOOK_ALLOW_CIDRS: '10.0.0.0/8,office' }, 'HOOK_ALLOW_CIDRS'],
    [{ HOOK_ALLOW_CIDRS: '10.0.0.0/33' }, 'HOOK_ALLOW_CIDRS'],
    [{ TRUST_PROXY: 'true' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '-1' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '1.5' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '10.0.0.0/33' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: 'loopback,office' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '1,loopback' }, 'TRUST_PROXY'],
  ])('rejects %j naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^invalid configuration: ${variable} `));
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ VCALL_BASE_URL: 'not a url' }, 'VCALL_BASE_URL'],
  ])('the process exits non-zero with one line naming the variable for %j', async (env, variable) => {
    const { code, output } = await runToExit(env);
    expect(code).not.toBe(0);
    expect(output.trim().split('\n')).toHaveLength(1);
    expect(output).toContain(variable);
  });
});
