import { BadInputError } from '../errors';
import type { WallboardUpdate } from '../schema/wallboard';
import type { LiveChange, Store } from '../store/store';
import { LIVE_COLLECTION, type LiveState } from './live-state';
import { toUpdate } from './wallboard';

/** Updates a slow subscriber may have pending before it is dropped (it resumes from its last cursor). */
const MAX_PENDING = 10_000;
const PAGE = 1000;

/** Parses a wallboard cursor (a revision). */
export function parseCursor(cursor: string): number {
  if (!/^\d{1,15}$/.test(cursor)) throw new BadInputError('after', `not a wallboard cursor: "${cursor}"`);
  return Number(cursor);
}

/**
 * The changes after `after`, then live ones, each exactly once and in order: the live listener is
 * registered first, the store's log is read from the cursor, then live changes newer than the last
 * one read are passed on. A cursor older than the kept log is refused (take a new snapshot).
 */
export function wallboardUpdates(
  store: Store,
  live: LiveState,
  after: number,
  groupIds?: string[],
): AsyncIterableIterator<WallboardUpdate> {
  const pending: LiveChange[] = [];
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  let done = false;
  let last = after;
  let caughtUp = false;

  const unlisten = live.onChange((c) => {
    if (done) return;
    if (pending.length >= MAX_PENDING) {
      failure = new Error('wallboard subscriber too slow: resubscribe from the last cursor');
      unlisten();
    } else pending.push(c);
    wake?.();
  });

  const catchUp = async () => {
    const current = (await store.liveSnapshot(LIVE_COLLECTION)).rev;
    if (after > current) throw new BadInputError('after', `cursor ${after} is ahead of the live state (${current})`);
    for (;;) {
      const page = await store.liveChanges(LIVE_COLLECTION, last, PAGE);
      if (page.length && page[0].rev !== last + 1) throw new BadInputError('after', 'cursor too old: take a new wallboard snapshot');
      backlog.push(...page);
      if (page.length) last = page[page.length - 1].rev;
      if (page.length < PAGE) break;
    }
    if (last < current) throw new BadInputError('after', 'cursor too old: take a new wallboard snapshot');
    caughtUp = true;
  };
  const backlog: LiveChange[] = [];
  let catching: Promise<void> | undefined;
  let delivered = after;

  const finish = () => {
    done = true;
    unlisten();
    wake?.();
  };

  const iterator: AsyncIterableIterator<WallboardUpdate> = {
    async next(): Promise<IteratorResult<WallboardUpdate>> {
      catching ??= catchUp();
      await catching.catch((err: Error) => {
        finish();
        throw err;
      });
      for (;;) {
        if (done) return { done: true, value: undefined };
        if (failure) {
          finish();
          throw failure;
        }
        const change = backlog.length ? backlog.shift() : caughtUp ? pending.shift() : undefined;
        if (change) {
          if (change.rev <= delivered) continue; // already passed on (read from the log, then heard live)
          delivered = change.rev;
          const update = toUpdate(change, groupIds);
          if (update) return { done: false, value: update };
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    },
    async return() {
      finish();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
