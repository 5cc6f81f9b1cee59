import { EVENT_KIND_VALUES } from '../src/events/kinds';
import { createLogger } from '../src/logger';
import { MemoryStore } from '../src/store/memory';
import { StreamEventBus } from '../src/subscriptions/stream-bus';

describe('the event log keeps event data as it was published', () => {
  it('round-trips dates at any depth, numbers, nulls and look-alikes', async () => {
    const bus = new StreamEventBus(new MemoryStore(), createLogger('silent'), {
      kinds: EVENT_KIND_VALUES,
      maxLenPerKind: 100,
      dedupeTtlMs: 60_000,
    });
    const data = {
      startedAt: new Date(1_700_000_000_123),
      legs: [{ at: new Date(5), n: 1 }, null, 'x'],
      nested: { deeper: { when: new Date(0) } },
      count: 0,
      missing: null,
      lookAlike: { $date: 'not a number' },
      notOnlyDate: { $date: 7, other: true },
    };
    const cursor = await bus.publish('CallEnd', 'k-1', data);
    const [event] = await bus.replay(['CallEnd'], '0', 10);
    expect(event.cursor).toBe(cursor);
    expect(event.data).toEqual(data);
    expect(event.data.startedAt).toBeInstanceOf(Date);
    expect((event.data.nested as { deeper: { when: Date } }).deeper.when).toBeInstanceOf(Date);
    await bus.close();
  });

  it('keeps only the kinds it was given (the kind map), one stream each', async () => {
    const store = new MemoryStore();
    const bus = new StreamEventBus(store, createLogger('silent'), { kinds: ['CallEnd', 'sms'], maxLenPerKind: 100, dedupeTtlMs: 60_000 });
    await expect(bus.publish('taskStatus', 'k', {})).rejects.toThrow('unknown event kind taskStatus');
    await bus.publish('sms', 'k', { msgId: 'm' });
    expect((await store.readEvents(['events:sms'], '0', 10)).map((e) => e.fields.kind)).toEqual(['sms']);
    await bus.close();
  });
});
