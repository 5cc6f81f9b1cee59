import { BadInputError, CursorExpiredError } from '../errors';
import type { Logger } from '../logger';
import { WallboardUpdate, type GroupFigures, type Wallboard } from '../schema/wallboard';
import type { LiveChange, LiveSnapshot, Store } from '../store/store';
import { formatCursor, isLogStart, parseLogCursor, type LogPosition } from './bus';
import { LIVE_COLLECTION, type LiveState } from './live-state';
import type { QueueStatistics } from './queue-stats';
import { buildWallboard, toUpdate, wallboardGroups } from './wallboard';

/** Updates a slow subscriber may have pending before it is dropped (it resumes from its last cursor). */
const MAX_PENDING = 10_000;
const PAGE = 1000;

/**
 * Parses a wallboard cursor ("<generation>:<revision>", or "0" for the start of the current live
 * state). A group update's cursor is the last change's with a suffix ("+<tick>.<group>"): resuming
 * from it is resuming from that change.
 */
export function parseCursor(cursor: string): LogPosition {
  const plus = cursor.indexOf('+');
  const at = parseLogCursor(plus >= 0 && /^\d+\.[gt]/.test(cursor.slice(plus + 1)) ? cursor.slice(0, plus) : cursor);
  if (!at) throw new BadInputError('after', `not a wallboard cursor: "${cursor}"`);
  return at;
}

/**
 * The group figures of one moment, computed once per instance for every subscriber: the live state
 * at revision `rev` and the statistics read at `now`. `board(groupIds)` is the wallboard a fresh
 * snapshot of those groups would give at that moment (computed once per set of groups).
 */
export interface FiguresTick {
  n: number;
  epoch: string | null;
  rev: number;
  stale: boolean;
  board(groupIds?: string[]): Wallboard;
}

type TickListener = (tick: FiguresTick) => void;

/**
 * The instance's periodic computation of group figures for its wallboardUpdates subscribers: every
 * `intervalMs` while anyone listens, one live snapshot and one read of the statistics of every group
 * shown (or asked for), shared by all subscribers. Group figures are a pure function of the live
 * state and the statistics at read time, so they need no revision of their own (docs/wallboard.md).
 */
export class GroupFeed {
  private readonly listeners = new Map<TickListener, string[] | undefined>();
  private timer?: NodeJS.Timeout;
  private running = false;
  private n = 0;

  constructor(
    private readonly store: Store,
    private readonly stats: QueueStatistics,
    readonly intervalMs: number,
    private readonly logger?: Logger,
  ) {}

  /** Hands `listener` the figures every interval from now on (of its groups, or all). Returns the unlisten function. */
  listen(groupIds: string[] | undefined, listener: TickListener): () => void {
    this.listeners.set(listener, groupIds);
    if (!this.timer) {
      this.timer = setInterval(() => void this.tick(), this.intervalMs);
      this.timer.unref?.();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  /** Computes the figures now and hands them out (a tick still running is not started twice). */
  async tick(): Promise<void> {
    if (this.running || this.listeners.size === 0) return;
    this.running = true;
    try {
      const snapshot = await this.store.liveSnapshot(LIVE_COLLECTION);
      const groups = new Set(wallboardGroups(snapshot));
      for (const asked of this.listeners.values()) for (const g of asked ?? []) groups.add(g);
      const now = this.stats.now();
      const raw = await this.stats.readGroups([...groups], now);
      const tick = makeTick(++this.n, snapshot, { raw, now, thresholdSeconds: this.stats.options.serviceLevelSeconds });
      for (const listener of [...this.listeners.keys()]) listener(tick);
    } catch (err) {
      this.logger?.warn({ err: (err as Error).message }, 'wallboard: group figures not computed');
    } finally {
      this.running = false;
    }
  }
}

function makeTick(n: number, snapshot: LiveSnapshot, stats: Parameters<typeof buildWallboard>[2]): FiguresTick {
  const boards = new Map<string, Wallboard>();
  return {
    n,
    epoch: snapshot.epoch,
    rev: snapshot.rev,
    stale: snapshot.stale,
    board(groupIds) {
      const key = groupIds && groupIds.length ? JSON.stringify([...new Set(groupIds)]) : '';
      let board = boards.get(key);
      if (!board) boards.set(key, (board = buildWallboard(snapshot, groupIds, stats)));
      return board;
    },
  };
}

const feeds = new WeakMap<object, GroupFeed>();

/** The group feed of a gateway instance (created on first use). */
export function groupFeedOf(
  services: { store: Store; logger: Logger; config: { wallboardStatsIntervalMs: number } },
  stats: QueueStatistics,
): GroupFeed {
  let feed = feeds.get(services);
  if (!feed) feeds.set(services, (feed = new GroupFeed(services.store, stats, services.config.wallboardStatsIntervalMs, services.logger)));
  return feed;
}

/** The JSON of a tick's figures, to compare with what a subscriber was last sent: one per figures object, shared by the subscribers of a tick. */
const figuresJson = new WeakMap<GroupFigures, string>();
const jsonOf = (figures: GroupFigures): string => {
  let json = figuresJson.get(figures);
  if (json === undefined) figuresJson.set(figures, (json = JSON.stringify(figures)));
  return json;
};

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
  feed?: GroupFeed,
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

  // Group figures: the latest tick waits until this subscriber has been given every change the
  // tick's figures include (its revision), then each figure that differs from what it was last sent
  // goes out, with the cursor of the last change passed on.
  let held: FiguresTick | undefined;
  const sent = new Map<string, string>();
  const sentAt = new Map<string, number>();
  const minGapMs = (feed?.intervalMs ?? 0) / 2;
  const groupQueue: WallboardUpdate[] = [];
  const unlistenFeed = feed?.listen(groupIds, (tick) => {
    if (done) return;
    held = tick;
    wake?.();
  });
  const releaseTick = () => {
    const tick = held;
    if (!tick || !caughtUp || backlog.length) return;
    if (tick.epoch !== epoch && tick.epoch !== null) return; // of a generation not followed (yet)
    if (tick.rev > delivered) return; // changes it includes are still to be passed on
    held = undefined;
    const board = tick.board(groupIds);
    const now = Date.now();
    for (const figures of [...board.groups, board.totals] as GroupFigures[]) {
      const key = figures.groupId === undefined ? 't' : `g${figures.groupId}`;
      const json = jsonOf(figures);
      if (sent.get(key) === json) continue;
      // A tick released late (waiting for its changes) is not followed at once by the next one's figures: those wait a tick.
      if (now - (sentAt.get(key) ?? 0) < minGapMs) continue;
      sent.set(key, json);
      sentAt.set(key, now);
      groupQueue.push(
        Object.assign(new WallboardUpdate(), {
          cursor: `${formatCursor(epoch, delivered)}+${tick.n}.${key}`,
          stale: tick.stale,
          group: figures,
        }),
      );
    }
  };

  const finish = () => {
    done = true;
    unlisten();
    unlistenFeed?.();
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
        releaseTick();
        if (groupQueue.length) return { done: false, value: groupQueue.shift()! };
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
