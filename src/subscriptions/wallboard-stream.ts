import { BadInputError, CursorExpiredError } from '../errors';
import type { WallboardUpdate } from '../schema/wallboard';
import type { LiveChange, Store } from '../store/store';
import { isLogStart, parseLogCursor, type LogPosition } from './bus';
import { LIVE_COLLECTION, type LiveState } from './live-state';
import { toUpdate } from './wallboard';

/** Updates a slow subscriber may have pending before it is dropped (it resumes from its last cursor). */
const MAX_PENDING = 10_000;
const PAGE = 1000;

/** Parses a wallboard cursor ("<generation>:<revision>", or "0" for the start of the current live state). */
export function parseCursor(cursor: string): LogPosition {
  const at = parseLogCursor(cursor);
  if (!at) throw new BadInputError('after', `not a wallboard cursor: "${cursor}"`);
  return at;
}

const expired = (detail: string, reason: 'LOST' | 'TRIMMED' = 'LOST') => new CursorExpiredError('after', reason, detail);

/**
 * The changes after `after`, then live ones, each exactly once and in order: the live listener is
 * registered first, the store's log is read from the cursor, then live changes newer than the last
 * one read are passed on. A cursor of another generation of the live state (lost since), ahead of
 * it, or older than the kept log is refused with CURSOR_EXPIRED (take a new snapshot). When the
 * live state is lost while subscribed, the subscription follows its new generation: the marker of
 * the new generation (an update without agent or queue, `stale: true` while rebuilding), then its
 * changes.
 */
export function wallboardUpdates(
  store: Store,
  live: LiveState,
  after: LogPosition,
  groupIds?: string[],
): AsyncIterableIterator<WallboardUpdate> {
  const pending: LiveChange[] = [];
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  let done = false;
  let caughtUp = false;

  const unlisten = live.onChange((c) => {
    if (done) return;
    if (pending.length >= MAX_PENDING) {
      failure = new Error('wallboard subscriber too slow: resubscribe from the last cursor');
      unlisten();
    } else pending.push(c);
    wake?.();
  });

  const backlog: LiveChange[] = [];
  /** The generation followed (null: none yet) and the last revision passed on in it. */
  let epoch: string | null = after.epoch;
  let delivered = after.seq;

  const catchUp = async () => {
    let last = after.seq;
    for (let first = true; ; first = false) {
      const page = await store.liveChanges(LIVE_COLLECTION, last, PAGE);
      if (first) {
        if (isLogStart(after)) epoch = page.epoch;
        else if (page.epoch !== after.epoch) throw expired('the live state it belongs to was lost and is being rebuilt');
        if (after.seq > page.rev) throw expired('the live state went back');
      } else if (page.epoch !== epoch) throw expired('the live state was lost while catching up');
      const mine = page.changes.filter((c) => c.epoch === epoch || c.epoch === null);
      if (mine.length && mine[0].rev !== last + 1) throw expired('cursor too old: take a new wallboard snapshot', 'TRIMMED');
      backlog.push(...mine);
      if (page.changes.length) last = page.changes[page.changes.length - 1].rev;
      if (page.changes.length < PAGE) {
        if (last < page.rev) throw expired('cursor too old: take a new wallboard snapshot', 'TRIMMED');
        break;
      }
    }
    caughtUp = true;
  };
  let catching: Promise<void> | undefined;

  const finish = () => {
    done = true;
    unlisten();
    wake?.();
  };

  /** Whether a change is to be passed on (and takes the position when it is). */
  const take = (change: LiveChange): boolean => {
    if (change.member === '') {
      // The live state was lost and begun again: follow the new generation from its start.
      if (change.epoch === epoch) return false;
      epoch = change.epoch;
      delivered = change.rev;
      return true;
    }
    if (epoch === null && change.epoch !== null) epoch = change.epoch; // the live state's first generation
    if (change.epoch !== epoch && change.epoch !== null) return false; // of a generation this subscription does not follow
    if (change.rev <= delivered) return false; // already passed on (read from the log, then heard live)
    delivered = change.rev;
    return true;
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
          if (!take(change)) continue;
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
