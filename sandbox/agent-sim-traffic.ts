import { callData, hangupSteps, loginData } from './agent-steps';
import { agentPlatform, pushEvents, type AgentPlatform, type PushStep, type SimAgent } from './agent-sim';
import { abandonCall, assignCall, freeAgents, isWaiting, joinQueue, MAX_WAITING, queueModel, type QueuedCall } from './queue';
import type { SandboxContext } from './server';

/** Simulated contact-centre traffic: N agents log in and keep taking calls, so a wallboard moves. */
export interface AgentTrafficOptions {
  /** How many agents take part (created as 5001… in the seeded groups when the platform has fewer). */
  agents: number;
  /** State changes per second across all agents. */
  changesPerSecond: number;
}

interface TrafficState {
  options: AgentTrafficOptions;
  timer: NodeJS.Timeout;
  agents: SimAgent[];
}

const running = new WeakMap<AgentPlatform, TrafficState>();

function participants(p: AgentPlatform, n: number): SimAgent[] {
  const out = [...p.agents.values()].filter((a) => a.status === 1).slice(0, n);
  const groups = [...p.groups.keys()];
  for (let i = out.length; i < n; i++) {
    const number = String(5001 + i);
    let a = p.agents.get(number);
    if (!a) {
      // Same shape as a created agent: delegate to the family's seeding through the platform map.
      const template = out[0] ?? [...p.agents.values()][0];
      a = {
        ...template,
        sn: `${template.sn.slice(0, 24)}${number.padStart(8, '0')}`,
        agentNumber: number,
        agentName: `Agent ${number}`,
        groupSn: groups[i % groups.length],
        sipId: `8${number}`,
        loggedIn: false,
        state: 'Logout',
        callDirection: undefined,
        peer: undefined,
        call: undefined,
        stateSince: undefined,
        loginAt: undefined,
        muted: false,
        held: false,
      };
      p.agents.set(number, a);
    }
    out.push(a);
  }
  return out;
}

/** One step of one agent's day: log in, go idle, talk (calls come from the queues), wrap up, sometimes take a break. */
function step(ctx: SandboxContext, p: AgentPlatform, a: SimAgent, push: (events: PushStep[]) => void): void {
  if (!a.loggedIn) {
    a.loggedIn = true;
    // The Login event as the toolbar's login gives it: groupIdList and groupInfoList [{id, name, isMaster}].
    push([{ event: 'Login', state: 'Login', data: loginData(p, a, '1') }]);
    return;
  }
  switch (a.state) {
    case 'Login':
    case 'Busy':
      push([{ event: 'Idle', state: 'Idle', data: { loginType: '1' } }]);
      return;
    case 'Idle':
      // Calls reach idle agents through the queues (dispatch below); an idle agent now and then takes a break.
      if (!queueModel(ctx).reserved.has(a.agentNumber) && Math.random() < 0.1)
        push([{ event: 'Busy', state: 'Busy', data: { currentBusyType: 'break' } }]);
      return;
    case 'AgentRinging':
      push([{ event: 'AgentAnswer', state: 'AgentAnswer', data: a.call ?? callData(a, '0', a.peer ?? '') }]);
      return;
    case 'AgentAnswer':
      push([{ event: 'Conversation', state: 'Conversation', data: a.call ?? callData(a, '0', a.peer ?? '') }]);
      return;
    case 'Conversation':
      push(hangupSteps(p, a).slice(0, 1));
      return;
    case 'After':
      push([{ event: 'Idle', state: 'Idle', data: { loginType: '1' } }]);
      return;
    default:
      return;
  }
}

/** A Poisson draw (Knuth; the means here are small). */
function poisson(mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  let prod = Math.random();
  while (prod > limit) {
    k++;
    prod *= Math.random();
  }
  return k;
}

/**
 * The calls of the simulated day. Callers arrive at the participants' groups (one call per CHANGES_PER_CALL agent
 * state changes, Poisson, groups chosen evenly), join the group's queue, and are handed — longest-waiting call first —
 * to the group's participant that has been idle longest. Once it rings, a call takes an agent four of its steps
 * (answer, conversation, after, idle), so the offered load is about two thirds of the agents' capacity before breaks:
 * queues build and drain. Each caller has a patience (exponential, mean PATIENCE_CALLS handling times, in sandbox-clock ms)
 * and abandons the queue when it runs out, so answered/abandoned counts and waits computed from QueueInfo are
 * meaningful.
 */
const CHANGES_PER_CALL = 5;
const PATIENCE_CALLS = 2;

/** Starts (or retunes) traffic; one agent moves per tick, ticks spaced to give changesPerSecond. */
export function startAgentTraffic(ctx: SandboxContext, options: AgentTrafficOptions): AgentTrafficOptions {
  if (!(options.agents >= 1 && options.agents <= 10_000)) throw new Error('agents must be 1 to 10000');
  if (!(options.changesPerSecond > 0 && options.changesPerSecond <= 5000))
    throw new Error('changesPerSecond must be above 0 and at most 5000');
  const p = agentPlatform(ctx);
  const m = queueModel(ctx);
  stopAgentTraffic(ctx);
  const agents = participants(p, options.agents);
  const members = new Set(agents);
  const groups = [...new Set(agents.map((a) => a.groupSn))].filter((sn) => p.groups.has(sn));
  const interval = Math.max(1, Math.round(1000 / options.changesPerSecond));
  const perTick = Math.max(1, Math.round(options.changesPerSecond / (1000 / interval)));
  // One agent step every agents/changesPerSecond seconds; a call (with the wait for the next one) about five of them.
  const handlingMs = (5 * 1000 * agents.length) / options.changesPerSecond;
  const patienceMs = () => -Math.log(1 - Math.random()) * PATIENCE_CALLS * handlingMs;
  const patience = new Map<QueuedCall, number>();
  // Agents with pushed steps still on their way (pushEvents delays each step by stepMs): neither stepped nor given
  // a call until the steps went out, so no agent goes on a break and takes a call at once.
  const pending = new Set<SimAgent>();
  const pushPending = (a: SimAgent, events: PushStep[]) => {
    if (!events.length) return;
    pending.add(a);
    const last = events[events.length - 1];
    const apply = last.apply;
    events[events.length - 1] = {
      ...last,
      apply: (x) => {
        apply?.(x);
        pending.delete(a);
      },
    };
    pushEvents(ctx, a, 0, events);
  };
  let next = 0;
  const timer = setInterval(() => {
    if (!ctx.callbacks.options.hookUrl) return; // nobody listens yet: do not run a day nobody sees
    const now = ctx.clock.now();
    for (const [call, until] of patience) {
      if (!isWaiting(ctx, call)) patience.delete(call);
      else if (now >= until) {
        patience.delete(call);
        abandonCall(ctx, call);
      }
    }
    for (let n = poisson(perTick / CHANGES_PER_CALL); n > 0 && groups.length; n--) {
      const groupSn = groups[Math.floor(Math.random() * groups.length)];
      if ((m.queues.get(groupSn)?.length ?? 0) >= MAX_WAITING) continue; // the trunk turns the caller away
      const caller = `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
      const { call } = joinQueue(ctx, groupSn, { caller });
      patience.set(call, call.inQueueTime + patienceMs());
    }
    for (const groupSn of groups) {
      const q = m.queues.get(groupSn) ?? [];
      if (!q.length) continue;
      const free = freeAgents(p, m, groupSn).filter((a) => members.has(a) && !pending.has(a));
      while (q.length && free.length) {
        const call = q[0];
        patience.delete(call);
        assignCall(ctx, call, free.shift()!, 'ring');
      }
    }
    for (let i = 0; i < perTick; i++) {
      const a = agents[next++ % agents.length];
      // An agent whose last step has not gone out yet waits: its state is the one it is about to leave.
      if (!pending.has(a)) step(ctx, p, a, (events) => pushPending(a, events));
    }
  }, interval);
  timer.unref?.();
  running.set(p, { options, timer, agents });
  return options;
}

export function stopAgentTraffic(ctx: SandboxContext): void {
  const p = agentPlatform(ctx);
  const state = running.get(p);
  if (state) clearInterval(state.timer);
  running.delete(p);
}

export function agentTrafficStatus(ctx: SandboxContext): AgentTrafficOptions | null {
  return running.get(agentPlatform(ctx))?.options ?? null;
}

/** Control routes: POST /__sandbox/agents/traffic {agents, changesPerSecond} starts; DELETE stops; GET tells. */
export function registerAgentTraffic(ctx: SandboxContext, initial?: AgentTrafficOptions): void {
  ctx.control('post', '/agents/traffic', (req) =>
    startAgentTraffic(ctx, { agents: Number(req.body?.agents ?? 20), changesPerSecond: Number(req.body?.changesPerSecond ?? 10) }),
  );
  ctx.control('delete', '/agents/traffic', () => {
    stopAgentTraffic(ctx);
    return { ok: true };
  });
  ctx.control('get', '/agents/traffic', () => ({ running: agentTrafficStatus(ctx) }));
  ctx.onReset(() => stopAgentTraffic(ctx));
  ctx.onClose(() => stopAgentTraffic(ctx));
  if (initial) startAgentTraffic(ctx, initial);
}
