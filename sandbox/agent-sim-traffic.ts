import { hangupSteps, inboundSteps } from './agent-steps';
import { agentPlatform, pushEvents, type AgentPlatform, type SimAgent } from './agent-sim';
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
      };
      p.agents.set(number, a);
    }
    out.push(a);
  }
  return out;
}

/** One step of one agent's day: log in, go idle, take a call, talk, wrap up, sometimes take a break. */
function step(ctx: SandboxContext, p: AgentPlatform, a: SimAgent): void {
  const push = (events: Parameters<typeof pushEvents>[3]) => pushEvents(ctx, a, 0, events);
  if (!a.loggedIn) {
    a.loggedIn = true;
    push([{ event: 'Login', state: 'Login', data: { groupIdList: [a.groupSn], loginType: '1' } }]);
    return;
  }
  switch (a.state) {
    case 'Login':
    case 'Busy':
      push([{ event: 'Idle', state: 'Idle', data: { loginType: '1' } }]);
      return;
    case 'Idle':
      if (Math.random() < 0.15) push([{ event: 'Busy', state: 'Busy', data: { currentBusyType: 'break' } }]);
      else push(inboundSteps(a, `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`).slice(0, 1));
      return;
    case 'AgentRinging':
      push([{ event: 'AgentAnswer', state: 'AgentAnswer', data: { callDirection: '0', caller: a.peer, called: a.agentNumber } }]);
      return;
    case 'AgentAnswer':
      push([{ event: 'Conversation', state: 'Conversation', data: { callDirection: '0', caller: a.peer, called: a.agentNumber } }]);
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

/** Starts (or retunes) traffic; one agent moves per tick, ticks spaced to give changesPerSecond. */
export function startAgentTraffic(ctx: SandboxContext, options: AgentTrafficOptions): AgentTrafficOptions {
  if (!(options.agents >= 1 && options.agents <= 10_000)) throw new Error('agents must be 1 to 10000');
  if (!(options.changesPerSecond > 0 && options.changesPerSecond <= 5000))
    throw new Error('changesPerSecond must be above 0 and at most 5000');
  const p = agentPlatform(ctx);
  stopAgentTraffic(ctx);
  const agents = participants(p, options.agents);
  const interval = Math.max(1, Math.round(1000 / options.changesPerSecond));
  const perTick = Math.max(1, Math.round(options.changesPerSecond / (1000 / interval)));
  let next = 0;
  let ticks = 0;
  const queueSince = new Map<string, number>();
  const timer = setInterval(() => {
    if (!ctx.callbacks.options.hookUrl) return; // nobody listens yet: do not run a day nobody sees
    for (let i = 0; i < perTick; i++) step(ctx, p, agents[next++ % agents.length]);
    // Now and then a skill group's queue changes (QueueInfo; its payload is undocumented, see live-state.ts).
    if (++ticks % 10 === 0) {
      const reporter = agents[ticks % agents.length];
      const groupId = reporter.groupSn;
      const waiting = Math.floor(Math.random() * 4);
      if (waiting === 0) queueSince.delete(groupId);
      else if (!queueSince.has(groupId)) queueSince.set(groupId, ctx.clock.now() - Math.floor(Math.random() * 30_000));
      pushEvents(ctx, reporter, 0, [{ event: 'QueueInfo', data: { groupId, waiting, longestWaitSince: queueSince.get(groupId) ?? '' } }]);
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
