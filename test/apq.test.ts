import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import { request } from 'undici';
import { testRedisUrl } from './support/redis';
import { sandboxOf, startGatewayProcess, type GatewayProcess } from './support/process';
import { twoInstances, type Stack } from './support/stack';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** An automatic persisted query: the hash alone, or with the query to register it. */
async function persisted(stack: Pick<Stack, 'url' | 'token'>, query: string, withQuery: boolean) {
  const token = await stack.token(['admin']);
  const res = await request(`${stack.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      ...(withQuery ? { query } : {}),
      extensions: { persistedQuery: { version: 1, sha256Hash: sha256(query) } },
    }),
  });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, any> };
}

describe('automatic persisted queries shared by the instances of a deployment', () => {
  const two = twoInstances({ APQ_TTL_S: '600', APQ_MAX_BYTES: '200' });

  it('a query registered through one instance is found by the other, in Redis under the prefix with its TTL', async () => {
    const query = `{ skillGroups(pageSize: 5) { total } } # ${Math.random()}`;
    const unknown = await persisted(two.b, query, false);
    expect(unknown.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');

    const registered = await persisted(two.a, query, true);
    expect(registered.body.errors).toBeUndefined();
    const used = await persisted(two.b, query, false);
    expect(used.status).toBe(200);
    expect(used.body).toEqual(registered.body);

    const redis = new Redis(testRedisUrl());
    try {
      const key = `${two.a.prefix}apq:${sha256(query)}`;
      expect(await redis.get(key)).toBe(query);
      const ttl = await redis.ttl(key);
      expect(ttl).toBeGreaterThan(590);
      expect(ttl).toBeLessThanOrEqual(600);
    } finally {
      redis.disconnect();
    }
  });

  it('a query over APQ_MAX_BYTES is answered but not kept', async () => {
    const query = `{ skillGroups(pageSize: 5) { total } } # ${'x'.repeat(300)}`;
    expect((await persisted(two.a, query, true)).body.errors).toBeUndefined();
    expect((await persisted(two.b, query, false)).body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await persisted(two.a, query, false)).body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });
});

describe('automatic persisted queries without Redis (sandbox mode, one instance)', () => {
  let gateway: GatewayProcess;
  let token: string;
  beforeAll(async () => {
    gateway = await startGatewayProcess({});
    token = (await sandboxOf(gateway)).token;
  });
  afterAll(() => gateway.stop('SIGKILL'));

  it('are kept in the instance memory', async () => {
    const query = '{ __typename }';
    const target = { url: gateway.url, token: async () => token };
    expect((await persisted(target, query, false)).body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await persisted(target, query, true)).body).toEqual({ data: { __typename: 'Query' } });
    expect((await persisted(target, query, false)).body).toEqual({ data: { __typename: 'Query' } });
  });
});
