import { randomUUID } from 'node:crypto';
import { IvrRouting } from '../src/ivr/routing';
import { IvrOutcome } from '../src/ivr/rules';
import { createLogger } from '../src/logger';
import { deleteKeysWithPrefix, RedisStore } from '../src/store/redis';
import type { Store } from '../src/store/store';
import { STORE_KINDS } from './support/stores';

const logger = createLogger('silent');
const call = (caller: string, called: string, dtmf = '') => ({ occCallId: randomUUID(), caller, called, dtmf });

/** The routing rules behave alike on the Redis store and the in-process store (single instance without REDIS_URL). */
describe.each(STORE_KINDS)('IVR routing rules on the %s store', (_name, make: () => Store) => {
  let store: Store;
  let a: IvrRouting;
  let b: IvrRouting;
  beforeEach(async () => {
    store = make();
    if (store instanceof RedisStore) await store.waitUntilReady(5000);
    a = new IvrRouting(store, logger, 20);
    b = new IvrRouting(store, logger, 20);
    await a.start();
    await b.start();
  });
  afterEach(async () => {
    a.close();
    b.close();
    if (store instanceof RedisStore) await deleteKeysWithPrefix(store.target, store.prefix);
    await store.close();
  });

  it('fails every decision until rules were loaded once', async () => {
    const cold = new IvrRouting(store, logger, 1000);
    expect(cold.ready).toBe(false);
    expect(cold.decide(call('13800000000', '4000000000'))).toEqual({ outcome: IvrOutcome.FAILED, reason: 'routing rules not loaded' });
    await cold.refresh();
    expect(cold.decide(call('13800000000', '4000000000'))).toEqual({ outcome: IvrOutcome.DEFAULT_ROUTING, ruleId: undefined });
  });

  it('applies a change made through one routing instance in the other within the refresh interval', async () => {
    const route = await a.createRoute({ called: '4000000000', dtmf: '1', transferTo: '13900000000' });
    expect(a.decide(call('13800000000', '4000000000', '1'))).toEqual({
      outcome: IvrOutcome.TRANSFER,
      transferTo: '13900000000',
      ruleId: route.id,
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(b.decide(call('13800000000', '4000000000', '1')).transferTo).toBe('13900000000');
    const blocked = await b.createBlock({ callerPrefix: '138' });
    await new Promise((r) => setTimeout(r, 100));
    expect(a.decide(call('13800000000', '4000000000', '1'))).toEqual({ outcome: IvrOutcome.BLACKLISTED, ruleId: blocked.id });
    await b.remove(blocked.id, 'block');
    await a.remove(route.id, 'route');
    await new Promise((r) => setTimeout(r, 100));
    expect(b.decide(call('13800000000', '4000000000', '1')).outcome).toBe(IvrOutcome.DEFAULT_ROUTING);
    expect(b.rules()).toEqual([]);
  });
});
