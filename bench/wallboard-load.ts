/**
 * The load of bench:wallboard, run in a worker thread so that the platform's pushes and the 500
 * subscribers do not share the gateway's event loop (they still share the machine's cores): logs the
 * agents in, connects the subscribers, then pushes the traffic for BENCH_SECONDS and tallies what the
 * subscribers received. Driven by bench/wallboard.ts through messages (LoadCommand / LoadReport).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Agent, request } from 'undici';
import { ContactCentre, type PushedEvent } from './wallboard-centre';
import { Subscribers, type Tally } from './wallboard-subscribers';

export interface LoadSettings {
  hookUrl: string;
  graphqlUrl: string;
  token: string;
  companyId: string;
  agents: number;
  groups: number;
  /** Agent state changes per second, in total. */
  rate: number;
  callsPerSecond: number;
  subscribers: number;
  groupSubscribers: number;
  seconds: number;
}

export type LoadCommand = { type: 'settled' } | { type: 'go' } | { type: 'close' };

export interface TrafficFigures {
  seconds: number;
  agentChanges: number;
  queueChanges: number;
  joined: number;
  answered: number;
  abandoned: number;
  /** Events pushed (QueueInfo copies included). */
  pushed: number;
  /** Event POSTs answered 200 within the run and the drain, and their latencies. */
  posts: number;
  postErrors: number;
  /** The distinct reasons of the failed POSTs, with counts. */
  postErrorReasons: Record<string, number>;
  postLatencies: number[];
  /** The share of the run this (load) thread's event loop was busy: near 1, the measuring side lags too. */
  loadThreadBusy: number;
  /** How late the schedule's last send went out (ms): a loaded sender falls behind. */
  maxSendLagMs: number;
}

export type LoadReport =
  | { type: 'loggedIn' }
  | { type: 'ready' }
  | { type: 'done'; traffic: TrafficFigures; tally: Tally }
  | { type: 'closed' }
  | { type: 'failed'; message: string };

/** How a queued call ends: most are answered within seconds, some after a long wait, some are abandoned. */
function outcome(): { answered: boolean; waitMs: number } {
  const r = Math.random();
  const between = (lo: number, hi: number) => (lo + Math.random() * (hi - lo)) * 1000;
  if (r < 0.75) return { answered: true, waitMs: between(1, 8) };
  if (r < 0.9) return { answered: true, waitMs: between(21, 40) };
  return { answered: false, waitMs: between(3, 30) };
}

/** The longest wait for the updates still on their way after the traffic stops. */
const DRAIN_MAX_MS = 20_000;

/** Connections the simulated platform pushes its events over. */
const PUSH_CONNECTIONS = 32;

const sleepUntil = (due: number) => (due > Date.now() ? new Promise((r) => setTimeout(r, due - Date.now())) : Promise.resolve());

async function run(settings: LoadSettings, port: NonNullable<typeof parentPort>) {
  const centre = new ContactCentre(settings.agents, settings.groups, settings.companyId);
  const subscribers = new Subscribers(settings.graphqlUrl, settings.token);
  const traffic: TrafficFigures = {
    seconds: settings.seconds,
    agentChanges: 0,
    queueChanges: 0,
    joined: 0,
    answered: 0,
    abandoned: 0,
    pushed: 0,
    posts: 0,
    postErrors: 0,
    postErrorReasons: {},
    postLatencies: [],
    maxSendLagMs: 0,
    loadThreadBusy: 0,
  };
  let measuring = false;
  // The platform's pusher as a bounded pool of keep-alive connections: a gateway that falls behind makes the
  // pushes wait here (counted in their latency) rather than in thousands of new sockets.
  const pusher = new Agent({ connections: PUSH_CONNECTIONS });
  const post = async (body: PushedEvent) => {
    const started = Date.now();
    try {
      const r = await request(settings.hookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        dispatcher: pusher,
      });
      await r.body.dump();
      if (r.statusCode !== 200) throw new Error(`hook answered ${r.statusCode}`);
      if (measuring) {
        traffic.posts++;
        traffic.postLatencies.push(Date.now() - started);
      }
    } catch (err) {
      if (!measuring) return;
      traffic.postErrors++;
      const reason = (err as Error).message;
      traffic.postErrorReasons[reason] = (traffic.postErrorReasons[reason] ?? 0) + 1;
    }
  };
  const next = (type: LoadCommand['type']) =>
    new Promise<void>((resolve) => {
      const on = (m: LoadCommand) => {
        if (m.type !== type) return;
        port.off('message', on);
        resolve();
      };
      port.on('message', on);
    });

  for (const a of centre.agents) await post(centre.login(a));
  port.postMessage({ type: 'loggedIn' } satisfies LoadReport);
  await next('settled');

  const snapshot = (await (
    await request(settings.graphqlUrl.replace(/^ws/, 'http'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${settings.token}` },
      body: JSON.stringify({ query: '{ wallboard { cursor } }' }),
    })
  ).body.json()) as { data: { wallboard: { cursor: string } } };
  await subscribers.connect(settings.subscribers, settings.groupSubscribers, snapshot.data.wallboard.cursor);
  await new Promise((r) => setTimeout(r, 500)); // subscriptions registered
  port.postMessage({ type: 'ready' } satisfies LoadReport);
  await next('go');

  measuring = true;
  subscribers.start();
  const busy = performance.eventLoopUtilization();
  const inFlight = new Set<Promise<void>>();
  const send = (body: PushedEvent) => {
    traffic.pushed++;
    const p = post(body).finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  const queueChange = (change: ReturnType<ContactCentre['leave']>) => {
    traffic.queueChanges++;
    subscribers.posting(change.groupId, change.key, Date.now());
    for (const copy of change.copies) send(copy);
  };
  const t0 = Date.now();
  const end = t0 + settings.seconds * 1000;
  const leaves = new Set<NodeJS.Timeout>();
  const paced = async (perSecond: number, act: () => void) => {
    for (let i = 0; ; i++) {
      const due = t0 + (i * 1000) / perSecond;
      if (due >= end) return;
      await sleepUntil(due);
      traffic.maxSendLagMs = Math.max(traffic.maxSendLagMs, Date.now() - due);
      act();
    }
  };
  const agents = centre.agents;
  const groups = centre.groupIds;
  await Promise.all([
    paced(settings.rate, () => {
      traffic.agentChanges++;
      send(centre.nextChange(agents[Math.floor(Math.random() * agents.length)]));
    }),
    paced(settings.callsPerSecond, () => {
      const { call, change } = centre.join(groups[Math.floor(Math.random() * groups.length)]);
      traffic.joined++;
      queueChange(change);
      const { answered, waitMs } = outcome();
      if (Date.now() + waitMs >= end) return; // still waiting when the run ends
      const timer = setTimeout(() => {
        leaves.delete(timer);
        if (answered) traffic.answered++;
        else traffic.abandoned++;
        queueChange(centre.leave(call, answered));
      }, waitMs);
      leaves.add(timer);
    }),
  ]);
  for (const t of leaves) clearTimeout(t);
  await Promise.all(inFlight);
  // Drain: until nothing arrived for 2 s (at most DRAIN_MAX_MS); what has not arrived by then is counted as lost.
  const received = () => subscribers.tally.agentUpdates + subscribers.tally.queueUpdates + subscribers.tally.groupUpdates;
  for (let quiet = 0, last = -1, waited = 0; quiet < 2 && waited < DRAIN_MAX_MS; waited += 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    quiet = received() === last ? quiet + 1 : 0;
    last = received();
  }
  measuring = false;
  subscribers.stop();
  traffic.loadThreadBusy = +performance.eventLoopUtilization(busy).utilization.toFixed(2);
  port.postMessage({ type: 'done', traffic, tally: subscribers.tally } satisfies LoadReport);
  await next('close');
  await subscribers.close();
  await pusher.close();
  port.postMessage({ type: 'closed' } satisfies LoadReport);
}

if (parentPort) {
  const port = parentPort;
  run(workerData as LoadSettings, port).catch((err: Error) =>
    port.postMessage({ type: 'failed', message: err.stack ?? err.message } satisfies LoadReport),
  );
}
