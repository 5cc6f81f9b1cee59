import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { startStack, type Stack } from './support/stack';

describe('client JWTs verified against a JWKS URL (RS256 and ES256)', () => {
  let stack: Stack;
  let jwks: http.Server;
  let rsa: Parameters<SignJWT['sign']>[0];
  let ec: Parameters<SignJWT['sign']>[0];

  beforeAll(async () => {
    const rsaPair = await generateKeyPair('RS256');
    const ecPair = await generateKeyPair('ES256');
    rsa = rsaPair.privateKey;
    ec = ecPair.privateKey;
    const keys = [
      { ...(await exportJWK(rsaPair.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ecPair.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    ];
    jwks = http.createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys }));
    });
    jwks.listen(0, '127.0.0.1');
    await once(jwks, 'listening');
    const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    stack = await startStack({ env: { AUTH_JWT_SECRET: '', AUTH_JWKS_URL: url } });
  });
  afterAll(async () => {
    await stack.close();
    jwks.close();
  });

  const sign = (alg: string, kid: string, key: Parameters<SignJWT['sign']>[0]) =>
    new SignJWT({ roles: ['viewer'] }).setProtectedHeader({ alg, kid }).setSubject('jwks-user').setExpirationTime('5m').sign(key);

  it('accepts tokens signed by either key and refuses an HS256 token', async () => {
    const { taskSn } = await stack.api.post<{ taskSn: string }>('/tasks', { taskType: 'flow', status: 2 });
    const q = `query($sn: ID!) { task(taskSn: $sn, type: ROBOT) { status } }`;
    expect((await stack.gql(q, { sn: taskSn }, await sign('RS256', 'rsa-1', rsa))).data!.task.status).toBe('PAUSED');
    expect((await stack.gql(q, { sn: taskSn }, await sign('ES256', 'ec-1', ec))).data!.task.status).toBe('PAUSED');
    const hs = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('x')
      .sign(new TextEncoder().encode('y'.repeat(40)));
    expect((await stack.gql(q, { sn: taskSn }, hs)).errors![0].extensions!.code).toBe('UNAUTHENTICATED');
  });
});
