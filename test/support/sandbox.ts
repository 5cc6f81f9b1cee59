import { request } from 'undici';
import type { LoggedRequest, Sandbox } from '../../sandbox/server';

/** The environment that points a gateway at a sandbox platform: its three hosts and its credentials. */
export function platformEnv(sandbox: Sandbox): Record<string, string> {
  const creds = sandbox.credentials;
  return {
    VCALL_BASE_URL: sandbox.urls.cc,
    VCALL_NOTICE_BASE_URL: sandbox.urls.notice,
    VCALL_OPEN_BASE_URL: sandbox.urls.open,
    VCALL_ACCESS_KEY_ID: creds.accessKeyId,
    VCALL_ACCESS_KEY_SECRET: creds.accessKeySecret,
    VCALL_COMPANY_ID: creds.companyId,
  };
}

/** Talks to the sandbox's test endpoints over HTTP, as a test harness outside the process would. */
export class SandboxApi {
  constructor(readonly url: string) {}

  private async send<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const res = await request(`${this.url}/__sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    if (res.statusCode >= 400) throw new Error(`sandbox ${method} ${path}: ${res.statusCode} ${text}`);
    return JSON.parse(text) as T;
  }

  requests(endpoint?: string, since?: number): Promise<LoggedRequest[]> {
    const q = new URLSearchParams();
    if (endpoint) q.set('endpoint', endpoint);
    if (since !== undefined) q.set('since', String(since));
    return this.send('GET', `/requests?${q}`);
  }
  async count(endpoint: string): Promise<number> {
    const counters = await this.send<Record<string, number>>('GET', '/counters');
    return counters[endpoint] ?? 0;
  }
  async lastSeq(): Promise<number> {
    const all = await this.requests();
    return all.length ? all[all.length - 1].seq : 0;
  }
  advanceClock(ms: number): Promise<{ now: number }> {
    return this.send('POST', '/clock', { advanceMs: ms });
  }
  fault(fault: {
    endpoint: string;
    kind: 'delay' | 'http' | 'envelope' | 'reset';
    ms?: number;
    status?: number;
    code?: string | number;
    msg?: string;
    times?: number;
  }) {
    return this.send('POST', '/faults', fault);
  }
  clearFaults() {
    return this.send('DELETE', '/faults');
  }
  revokeTokens() {
    return this.send('POST', '/tokens/revoke');
  }
  reset() {
    return this.send('POST', '/reset');
  }
  /** A call joins a skill group's queue (the sandbox pushes QueueInfo isInQueue 1); `at` sets its inQueueTime. */
  queueJoin(body: { groupId: string | number; caller?: string; called?: string; at?: number }): Promise<QueueCallAnswer> {
    return this.send('POST', '/queue/join', body);
  }
  /** The oldest (or the given caller's) waiting call goes to an idle agent of the group: QueueInfo isInQueue 0, then its call steps. */
  queueAnswer(body: {
    groupId: string | number;
    agentNumber: string;
    caller?: string;
    inQueueTime?: number;
    steps?: 'answer' | 'ring' | 'none';
  }): Promise<QueueCallAnswer & { handleAgentID: string; waitedMs: number }> {
    return this.send('POST', '/queue/answer', body);
  }
  /** The oldest (or the given caller's) waiting caller hangs up: QueueInfo isInQueue 0, handleAgentID "". */
  queueAbandon(body: {
    groupId: string | number;
    caller?: string;
    inQueueTime?: number;
  }): Promise<QueueCallAnswer & { handleAgentID: string; waitedMs: number }> {
    return this.send('POST', '/queue/abandon', body);
  }
  /** Every skill group's waiting calls. */
  queue(): Promise<QueueSnapshot> {
    return this.send('GET', '/queue');
  }
  post<T = unknown>(path: string, body?: unknown): Promise<T> {
    return this.send('POST', path, body ?? {});
  }
  get<T = unknown>(path: string): Promise<T> {
    return this.send('GET', path);
  }
}

/** A queued call as the sandbox's queue routes answer it. */
export interface QueueCallAnswer {
  groupID: number;
  groupSn: string;
  caller: string;
  called: string;
  inQueueTime: number;
  occCallId: string;
  groupWaitNumber: number;
  /** The agents whose envelopes carried the QueueInfo. */
  pushedTo: string[];
}

export interface QueueSnapshot {
  now: number;
  queueInfoTo: 'group' | 'one';
  groups: {
    groupID: number;
    groupSn: string;
    name: string;
    groupWaitNumber: number;
    data: { caller: string; called: string; groupID: number; inQueueTime: number; occCallId: string }[];
  }[];
}
