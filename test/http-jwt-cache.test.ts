import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { JwtVerifier, mintToken } from '../src/auth/jwt';

const SECRET = 'jwt-cache-secret-jwt-cache-secret-0123456789';

describe('JwtVerifier: verified tokens remembered until their expiry', () => {
  afterEach(() => jest.useRealTimers());

  it('answers a repeated token from the cache, and refuses it from its exp second on', async () => {
    // Date faked (jose reads `new Date()`), promises and ticks real.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'], now: new Date('2026-01-01T00:00:00Z') });
    const verifier = new JwtVerifier({ secret: SECRET });
    const token = await mintToken(SECRET, { sub: 'u1', roles: ['agent'], agentNumber: '1001' }, '60s');
    const first = await verifier.verify(`Bearer ${token}`);
    expect(first).toEqual({ sub: 'u1', roles: ['agent'], agentNumber: '1001' });
    expect(await verifier.verify(`Bearer ${token}`)).toBe(first); // the same object: not verified again
    expect(Object.isFrozen(first) && Object.isFrozen(first.roles)).toBe(true);
    jest.setSystemTime(new Date('2026-01-01T00:00:59.999Z'));
    expect(await verifier.verify(`Bearer ${token}`)).toBe(first);
    jest.setSystemTime(new Date('2026-01-01T00:01:00Z')); // exp: refused, as jose refuses it
    await expect(verifier.verify(`Bearer ${token}`)).rejects.toThrow(/token expired/);
    await expect(verifier.verify(`Bearer ${token}`)).rejects.toThrow(/token expired/);
  });

  it('keeps nothing that failed, and holds at most cacheSize tokens (least recently used dropped)', async () => {
    const verifier = new JwtVerifier({ secret: SECRET, cacheSize: 2, maxLifetimeMs: 3600_000 });
    const long = await mintToken(SECRET, { sub: 'x', roles: ['admin'] }, '2h');
    for (let i = 0; i < 2; i++) await expect(verifier.verify(long)).rejects.toThrow(/AUTH_MAX_TOKEN_LIFETIME/);
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((sub) => mintToken(SECRET, { sub, roles: ['viewer'] }, '10m')));
    const pa = await verifier.verify(a);
    const pb = await verifier.verify(b);
    expect(await verifier.verify(a)).toBe(pa); // a is now the most recently used
    await verifier.verify(c); // drops b
    expect(await verifier.verify(a)).toBe(pa);
    const pb2 = await verifier.verify(b);
    expect(pb2).toEqual(pb);
    expect(pb2).not.toBe(pb);
  });

  it('with a JWKS, refuses a remembered token once the refreshed key set no longer has its key', async () => {
    const oldPair = await generateKeyPair('ES256');
    const newPair = await generateKeyPair('ES256');
    let keys = [{ ...(await exportJWK(oldPair.publicKey)), kid: 'old', alg: 'ES256', use: 'sig' }];
    let fetches = 0;
    const server = http.createServer((_req, res) => {
      fetches++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
      const verifier = new JwtVerifier({ jwksUrl: url, jwksMaxAgeMs: 300 });
      const sign = (kid: string, key: Parameters<SignJWT['sign']>[0]) =>
        new SignJWT({ roles: ['viewer'] }).setProtectedHeader({ alg: 'ES256', kid }).setSubject('k').setExpirationTime('5m').sign(key);
      const oldToken = await sign('old', oldPair.privateKey);
      const first = await verifier.verify(oldToken);
      expect(await verifier.verify(oldToken)).toBe(first);
      expect(fetches).toBe(1);
      // The key is withdrawn; until the key set is fetched again the old key is still the JWKS's (as without the cache).
      keys = [{ ...(await exportJWK(newPair.publicKey)), kid: 'new', alg: 'ES256', use: 'sig' }];
      expect(await verifier.verify(oldToken)).toBe(first);
      await new Promise((r) => setTimeout(r, 400));
      await expect(verifier.verify(oldToken)).rejects.toThrow(/invalid token/);
      expect(fetches).toBe(2);
      expect(await verifier.verify(await sign('new', newPair.privateKey))).toMatchObject({ sub: 'k', roles: ['viewer'] });
    } finally {
      server.close();
    }
  });
});
