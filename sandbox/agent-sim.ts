import { randomBytes, randomUUID } from 'node:crypto';
import { PlatformFault } from './envelope';
import type { SandboxContext } from './server';

/** One agent of the simulated platform (agent family) and its toolbar session (agent control). */
export interface SimAgent {
  sn: string;
  agentNumber: string;
  agentName: string;
  password: string;
  groupSn: string;
  phone: string;
  /** 1 enabled, 0 disabled (agent.setStatus). */
  status: number;
  type: number;
  isSip: number;
  sipId: string;
  sipPassword: string;
  /** Toolbar session. */
  loggedIn: boolean;
  state: string;
  callDirection?: '0' | '1';
  peer?: string;
  muted: boolean;
  held: boolean;
  /** The call data of the agent's current call (AgentRinging's data), carried on by AgentAnswer … After. */
  call?: Record<string, unknown>;
  /** When the agent entered its current state (Surveillance's operatingTime), sandbox clock ms. */
  stateSince?: number;
  /** When the agent logged in (Surveillance's loginTime), sandbox clock ms. */
  loginAt?: number;
}

export interface SimGroup {
  sn: string;
  name: string;
  policy: number;
  agentAutoIdle: number;
  agentAutoIdleTime: number;
  agentMakeCall: number;
  remark: string;
  popupWindowUrl: string;
  caller: string;
  onlyTransferToCurrent: number;
}

/** State shared by the group, agent and agent-control families of one sandbox. */
export interface AgentPlatform {
  groups: Map<string, SimGroup>;
  agents: Map<string, SimAgent>;
  /** Pause between two pushed events of one flow (tests keep it small). */
  stepMs: number;
  /** Last eventTime per agent: every agent's events carry strictly increasing times. */
  lastTime: Map<string, number>;
  /** Agents whose events are swallowed (a lost push, for timeout tests). */
  silenced: Set<string>;
  timers: Set<NodeJS.Timeout>;
  traffic?: NodeJS.Timeout;
}

const platforms = new WeakMap<SandboxContext, AgentPlatform>();

export const DEFAULT_PASSWORD = '123456';

function seedAgent(p: AgentPlatform, agentNumber: string, groupSn: string): SimAgent {
  const agent: SimAgent = {
    sn: randomUUID().replace(/-/g, ''),
    agentNumber,
    agentName: `Agent ${agentNumber}`,
    password: DEFAULT_PASSWORD,
    groupSn,
    phone: '',
    status: 1,
    type: 0,
    isSip: 1,
    sipId: `8${agentNumber}`,
    sipPassword: randomBytes(6).toString('hex'),
    loggedIn: false,
    state: 'Logout',
    muted: false,
    held: false,
  };
  p.agents.set(agentNumber, agent);
  return agent;
}

/** A skill group as the sandbox seeds it (auto idle on, outbound calls allowed). */
export function seededGroup(sn: string, name: string) {
  return {
    sn,
    name,
    policy: 1,
    agentAutoIdle: 1,
    agentAutoIdleTime: 0,
    agentMakeCall: 1,
    remark: '',
    popupWindowUrl: '',
    caller: '',
    onlyTransferToCurrent: 0,
  };
}

function seed(p: AgentPlatform): void {
  p.groups.clear();
  p.agents.clear();
  p.lastTime.clear();
  p.silenced.clear();
  for (const [sn, name] of [
    ['1', 'Sales'],
    ['2', 'Support'],
  ]) {
    p.groups.set(sn, seededGroup(sn, name));
  }
  for (let i = 1; i <= 20; i++) seedAgent(p, String(1000 + i), i <= 10 ? '1' : '2');
}

/** The agent state of a sandbox (created on first use; /__sandbox/reset reseeds it). */
export function agentPlatform(ctx: SandboxContext): AgentPlatform {
  let p = platforms.get(ctx);
  if (!p) {
    const fresh: AgentPlatform = {
      groups: new Map(),
      agents: new Map(),
      stepMs: 20,
      lastTime: new Map(),
      silenced: new Set(),
      timers: new Set(),
    };
    p = fresh;
    seed(fresh);
    platforms.set(ctx, fresh);
    const stop = () => {
      for (const t of fresh.timers) clearTimeout(t);
      fresh.timers.clear();
      if (fresh.traffic) clearInterval(fresh.traffic);
      fresh.traffic = undefined;
    };
    ctx.onReset(() => {
      stop();
      seed(fresh);
    });
    ctx.onClose(stop);
  }
  return p;
}

export function newSn(): string {
  return randomUUID().replace(/-/g, '');
}

export function addAgent(p: AgentPlatform, agentNumber: string, groupSn: string): SimAgent {
  return seedAgent(p, agentNumber, groupSn);
}

export function findAgentBySn(p: AgentPlatform, sn: string): SimAgent {
  for (const a of p.agents.values()) if (a.sn === sn) return a;
  throw new PlatformFault('1005009', '座席用户不存在,请联系管理员');
}

/** What one pushed event carries besides the envelope. */
export interface PushStep {
  event: string;
  /** The state the agent is in after the event (also the event's nowState). */
  state?: string;
  data?: Record<string, unknown>;
  /** Extra envelope fields (After's top-level cause). */
  extra?: Record<string, unknown>;
  /** Side effect on the simulated agent when the event goes out. */
  apply?: (a: SimAgent) => void;
}

/**
 * Pushes events for one agent, one step apart, in order, with strictly increasing eventTimes;
 * `sequence` echoes the request's (0 without one), as the platform does.
 */
export function pushEvents(ctx: SandboxContext, agent: SimAgent, sequence: number, steps: PushStep[], userData?: string): void {
  const p = agentPlatform(ctx);
  steps.forEach((step, i) => {
    const t = setTimeout(
      () => {
        p.timers.delete(t);
        const time = Math.max(ctx.clock.now(), (p.lastTime.get(agent.agentNumber) ?? 0) + 1);
        if (step.state && step.state !== agent.state) {
          agent.stateSince = time;
          if (step.state === 'Login') agent.loginAt = time;
          if (step.state === 'Logout') agent.loginAt = undefined;
        }
        if (step.state) agent.state = step.state;
        step.apply?.(agent);
        if (p.silenced.has(agent.agentNumber)) return;
        p.lastTime.set(agent.agentNumber, time);
        ctx.callbacks.push(
          'agentEvent',
          {
            type: 'event',
            event: step.event,
            nowState: agent.state,
            eventTime: time,
            sequence,
            companyId: ctx.companyId,
            agentNumber: agent.agentNumber,
            agentId: agent.sn,
            ...(userData === undefined ? {} : { userData }),
            ivrParam: '',
            ...(step.extra ?? {}),
            ...(step.data === undefined ? {} : { data: step.data }),
          },
          'json',
        );
      },
      p.stepMs * (i + 1),
    );
    t.unref?.();
    p.timers.add(t);
  });
}
