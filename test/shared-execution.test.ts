import { EventEmitter, on } from 'node:events';
import { GraphQLInt, GraphQLObjectType, GraphQLSchema, GraphQLString, parse, type ExecutionResult } from 'graphql';
import { sharedSubscribe } from '../src/subscriptions/shared-execution';

/** A schema whose `tick` subscription counts how often its selection set is executed. */
function schemaCounting(executions: { count: number }, bus: EventEmitter) {
  const Tick = new GraphQLObjectType({
    name: 'Tick',
    fields: {
      cursor: { type: GraphQLString },
      label: {
        type: GraphQLString,
        args: { prefix: { type: GraphQLString } },
        resolve: (root: { cursor: string }, args: { prefix?: string }) => {
          executions.count++;
          return `${args.prefix ?? ''}${root.cursor}`;
        },
      },
    },
  });
  return new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { n: { type: GraphQLInt } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        tick: {
          type: Tick,
          subscribe: async function* () {
            for await (const [payload] of on(bus, 'tick')) yield payload;
          },
          resolve: (payload: unknown) => payload,
        },
      },
    }),
  });
}

async function take(iterator: AsyncIterableIterator<ExecutionResult>, n: number): Promise<ExecutionResult[]> {
  const out: ExecutionResult[] = [];
  while (out.length < n) out.push((await iterator.next()).value as ExecutionResult);
  return out;
}

describe('shared execution of subscription events', () => {
  const principal = (roles: string[], agentNumber?: string) => ({ principal: { sub: 'x', roles, agentNumber } });

  it('executes an event once for every subscriber with the same operation, variables and principal scope', async () => {
    const executions = { count: 0 };
    const bus = new EventEmitter();
    bus.setMaxListeners(100);
    const schema = schemaCounting(executions, bus);
    const subscribe = sharedSubscribe();
    const query = 'subscription($p: String) { tick { cursor label(prefix: $p) } }';
    const open = (variables: Record<string, unknown>, context: unknown) =>
      subscribe({ schema, document: parse(query), variableValues: variables, contextValue: context }) as Promise<
        AsyncIterableIterator<ExecutionResult>
      >;
    const same = await Promise.all(Array.from({ length: 20 }, () => open({ p: 'a:' }, principal(['viewer']))));
    const otherVariables = await open({ p: 'b:' }, principal(['viewer']));
    const otherPrincipal = await open({ p: 'a:' }, principal(['agent'], '1001'));
    // The sources listen once read from (as graphql-ws does at once).
    const reads = [...same.map((it) => take(it, 2)), take(otherVariables, 2), take(otherPrincipal, 2)];
    await new Promise((r) => setImmediate(r));
    bus.emit('tick', { cursor: '1' });
    bus.emit('tick', { cursor: '2' });
    const got = await Promise.all(reads);
    for (const r of got.slice(0, 20))
      expect(r).toEqual([{ data: { tick: { cursor: '1', label: 'a:1' } } }, { data: { tick: { cursor: '2', label: 'a:2' } } }]);
    expect(got[20]).toEqual([{ data: { tick: { cursor: '1', label: 'b:1' } } }, { data: { tick: { cursor: '2', label: 'b:2' } } }]);
    expect(got[21][0]).toEqual({ data: { tick: { cursor: '1', label: 'a:1' } } });
    // 2 events × 3 distinct subscriptions, not × 22 subscribers.
    expect(executions.count).toBe(6);
    for (const it of [...same, otherVariables, otherPrincipal]) await it.return!();
  });

  it('executes payloads without a cursor for their subscriber alone, and ends the source on return', async () => {
    const executions = { count: 0 };
    const bus = new EventEmitter();
    const schema = schemaCounting(executions, bus);
    const subscribe = sharedSubscribe();
    const open = () =>
      subscribe({ schema, document: parse('subscription { tick { label } }'), contextValue: principal(['viewer']) }) as Promise<
        AsyncIterableIterator<ExecutionResult>
      >;
    const a = await open();
    const b = await open();
    const reads = [take(a, 1), take(b, 1)];
    await new Promise((r) => setImmediate(r));
    bus.emit('tick', { cursor: undefined });
    await Promise.all(reads);
    expect(executions.count).toBe(2);
    await a.return!();
    await b.return!();
    expect(bus.listenerCount('tick')).toBe(0);
  });

  it('returns the errors of a subscription that cannot start', async () => {
    const bus = new EventEmitter();
    const schema = schemaCounting({ count: 0 }, bus);
    // A field the subscription type does not have: graphql reports it instead of a stream.
    const result = (await sharedSubscribe()({ schema, document: parse('subscription { nope }'), contextValue: {} })) as ExecutionResult;
    expect(Symbol.asyncIterator in result).toBe(false);
    expect(result.errors?.[0].message).toMatch(/nope/);
  });
});
