import { createSourceEventStream, execute, print, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { GatewayContext } from '../context';

type Result = ExecutionResult | Promise<ExecutionResult>;

/** Results kept for other subscribers of the same event (oldest dropped first; a dropped one is executed again). */
const DEFAULT_MAX_RESULTS = 20_000;

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof (value as AsyncIterable<unknown> | null)?.[Symbol.asyncIterator] === 'function';
}

/** JSON with object keys sorted, so equal variables give equal keys whatever the client's key order. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Everything an event's execution result depends on besides the event: the operation, and what of the principal events are filtered and masked by. */
function shareKey(args: ExecutionArgs, documents: WeakMap<DocumentNode, string>): string {
  let text = documents.get(args.document);
  if (text === undefined) {
    text = print(args.document);
    documents.set(args.document, text);
  }
  const principal = (args.contextValue as GatewayContext | undefined)?.principal;
  const who = principal ? `${[...principal.roles].sort().join(',')}|${principal.agentNumber ?? ''}` : '-';
  return `${text}\n${args.operationName ?? ''}\n${stableJson(args.variableValues ?? {})}\n${who}`;
}

const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };

/**
 * Maps an async iterator, passing return/throw through to the source (so unsubscribing ends it).
 * A value mapped synchronously costs no extra promise: this runs once per event per subscriber.
 */
function mapIterator<T, R>(source: AsyncIterator<T>, map: (value: T) => R | Promise<R>): AsyncIterableIterator<R> {
  const step = (r: IteratorResult<T>): IteratorResult<R> | Promise<IteratorResult<R>> => {
    if (r.done) return DONE;
    const value = map(r.value);
    return value instanceof Promise ? value.then((v) => ({ value: v, done: false })) : { value, done: false };
  };
  return {
    next: () => source.next().then(step),
    async return() {
      await source.return?.();
      return DONE;
    },
    async throw(err?: unknown) {
      if (source.throw) return step(await source.throw(err));
      throw err;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * graphql-ws `subscribe` that executes each event once per distinct subscription instead of once
 * per subscriber. Every subscriber keeps its own source stream (its filters, visibility, `after`
 * replay and slow-subscriber buffer); only the execution of an event's selection set is shared
 * between subscribers with the same document, variables, roles and agent number — the inputs the
 * result depends on. Events are told apart by their cursor, which carries the log's generation
 * (`<generation>:<sequence>`): after the store lost the log and its ids begin again, a new event is
 * never taken for the old one at the same id. Anything without a cursor (the end of a slow
 * subscriber's stream) is executed for its subscriber alone.
 */
export function sharedSubscribe(maxResults = DEFAULT_MAX_RESULTS) {
  const results = new Map<string, Result>();
  const documents = new WeakMap<DocumentNode, string>();

  /** Share keys are long (the printed document): each gets a short id once, at subscribe time. */
  const ids = new Map<string, number>();
  let lastId = 0;
  const idOf = (key: string) => {
    let id = ids.get(key);
    if (id === undefined) {
      // Forgetting old keys only stops later subscribers sharing with earlier ones; ids never repeat.
      if (ids.size >= maxResults) ids.clear();
      id = ++lastId;
      ids.set(key, id);
    }
    return id;
  };

  // Each event runs with a context of its own (loaders, platform-call budget), not the subscription's.
  const run = (args: ExecutionArgs, payload: unknown): Result =>
    execute({
      ...args,
      rootValue: payload,
      contextValue: (args.contextValue as GatewayContext | undefined)?.forEvent?.() ?? args.contextValue,
    });

  const executeShared = (args: ExecutionArgs, id: number, payload: unknown): Result => {
    const cursor = (payload as { cursor?: unknown } | null)?.cursor;
    if (typeof cursor !== 'string') return run(args, payload);
    const k = `${id}:${cursor}`;
    let result = results.get(k);
    if (result === undefined) {
      result = run(args, payload);
      results.set(k, result);
      if (results.size > maxResults) results.delete(results.keys().next().value!);
    }
    return result;
  };

  return async (args: ExecutionArgs) => {
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source as ExecutionResult;
    const id = idOf(shareKey(args, documents));
    return mapIterator(source[Symbol.asyncIterator](), (payload) => executeShared(args, id, payload));
  };
}
