import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { queueKey } from './wallboard-centre';

/**
 * The graphql-ws subscribers of bench:wallboard and what they measure: for agent updates the time
 * from the event POST (its eventTime, the update's `since`) to the arrival; for queue updates and
 * group figures the time from the POST of the QueueInfo whose result they show (the group's calls
 * waiting and oldest call: `queueKey`) to the arrival. The first `withGroups` subscribers also select
 * `group { … stats(window: TODAY) … }`, so the group figure updates are exercised.
 */

const AGENT_AND_QUEUE = 'agent { agentNumber since } queue { groupId callsWaiting longestWaitSince }';
const GROUP = `group { groupId callsWaiting longestWaitingSince loggedIn
  today: stats(window: TODAY) { offered answered abandoned serviceLevelPercent averageSpeedOfAnswerSeconds } }`;
const subscription = (groups: boolean) =>
  `subscription($after: ID!) { wallboardUpdates(after: $after) { cursor ${AGENT_AND_QUEUE} ${groups ? GROUP : ''} } }`;

interface Update {
  wallboardUpdates: {
    agent: { agentNumber: string; since: string | null } | null;
    queue: { groupId: string; callsWaiting: number; longestWaitSince: string | null } | null;
    group?: { groupId: string | null; callsWaiting: number; longestWaitingSince: string | null } | null;
  };
}

export interface Tally {
  agentLatencies: number[];
  queueLatencies: number[];
  groupLatencies: number[];
  agentUpdates: number;
  /** Queue updates showing a change (another key than the subscriber's last one of that group). */
  queueUpdates: number;
  /** Queue updates repeating what the subscriber had (a QueueInfo copy applied as a change of its own). */
  queueRepeats: number;
  groupUpdates: number;
  errors: number;
}

export class Subscribers {
  private readonly clients: Client[] = [];
  /** Per group, per queue key: when the QueueInfo that led to it was POSTed (its first copy). */
  private readonly posted = new Map<string, Map<string, number>>();
  /** Counting only between start() and stop(). */
  private counting = false;
  readonly tally: Tally = {
    agentLatencies: [],
    queueLatencies: [],
    groupLatencies: [],
    agentUpdates: 0,
    queueUpdates: 0,
    queueRepeats: 0,
    groupUpdates: 0,
    errors: 0,
  };

  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  /** A QueueInfo was POSTed (its copies): updates showing `key` for `groupId` are measured from `at`. */
  posting(groupId: string, key: string, at: number): void {
    let keys = this.posted.get(groupId);
    if (!keys) this.posted.set(groupId, (keys = new Map()));
    keys.set(key, at);
  }

  private since(groupId: string, key: string): number | undefined {
    return this.posted.get(groupId)?.get(key);
  }

  /** Opens `count` sockets, each subscribed after `cursor`; resolves when all are connected. */
  async connect(count: number, withGroups: number, cursor: string): Promise<void> {
    await Promise.all(Array.from({ length: count }, (_, i) => this.subscribe(i < withGroups, cursor)));
  }

  private subscribe(groups: boolean, cursor: string): Promise<void> {
    const client = createClient({
      url: this.url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${this.token}` },
      retryAttempts: 0,
    });
    this.clients.push(client);
    const lastQueue = new Map<string, string>();
    const lastFigures = new Map<string, string>();
    const t = this.tally;
    return new Promise<void>((ready) => {
      client.on('connected', () => ready());
      client.subscribe<Update>(
        { query: subscription(groups), variables: { after: cursor } },
        {
          next: (r) => {
            if (r.errors?.length) t.errors++;
            const u = r.data?.wallboardUpdates;
            if (!u) return;
            const now = Date.now();
            const counting = this.counting;
            if (u.agent?.since && counting) {
              t.agentUpdates++;
              t.agentLatencies.push(now - Date.parse(u.agent.since));
            }
            if (u.queue) {
              const key = queueKey(u.queue.callsWaiting, u.queue.longestWaitSince);
              const repeat = lastQueue.get(u.queue.groupId) === key;
              lastQueue.set(u.queue.groupId, key);
              const at = this.since(u.queue.groupId, key);
              if (counting && repeat) t.queueRepeats++;
              else if (counting) {
                t.queueUpdates++;
                if (at !== undefined) t.queueLatencies.push(now - at);
              }
            }
            const g = u.group;
            if (g && g.groupId !== null) {
              const key = queueKey(g.callsWaiting, g.longestWaitingSince);
              // Only figures showing a queue change since this subscriber's last ones measure how soon a change shows.
              const changed = lastFigures.get(g.groupId) !== key;
              lastFigures.set(g.groupId, key);
              const at = this.since(g.groupId, key);
              if (counting) t.groupUpdates++;
              if (counting && changed && at !== undefined) t.groupLatencies.push(now - at);
            }
          },
          error: () => t.errors++,
          complete: () => {},
        },
      );
    });
  }

  start(): void {
    this.counting = true;
  }

  stop(): void {
    this.counting = false;
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.dispose()));
  }
}
