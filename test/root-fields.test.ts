import { stackWithOwnRedis } from './support/stack';

describe('root Query fields', () => {
  // Without the lookup near cache and billed-call counting, so nothing but the store decides what fails while Redis is down.
  const own = stackWithOwnRedis({
    env: { LOOKUP_NEAR_CACHE_MS: '0', RATE_LIMIT_BILLED_PER_MINUTE: '0', RATE_LIMIT_OPERATIONS_PER_MINUTE: '0' },
  });

  it('one failing root field is null with its error; the others still answer', async () => {
    const query = `{ wallboard { cursor agents { agentNumber } } skillGroups(page: 1, pageSize: 5) { total records { id name } } }`;
    const before = await own.stack.gql(query);
    expect(before.errors).toBeUndefined();
    expect(before.data!.skillGroups.total).toBeGreaterThan(0);

    await own.redis.stop();
    const res = await own.stack.gql(query);
    expect(res.data).not.toBeNull();
    expect(res.data!.wallboard).toBeNull();
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({ path: ['wallboard'], extensions: { code: 'UNAVAILABLE' } });
    expect(res.data!.skillGroups).toEqual(before.data!.skillGroups);
  });
});
