import { request } from 'undici';
import WebSocket from 'ws';
import { startStack, type Stack } from './support/stack';

describe('health, readiness and graceful shutdown', () => {
  let stack: Stack;
  beforeEach(async () => {
    stack = await startStack();
  });
  afterEach(() => stack.close());

  it('answers /healthz and /readyz', async () => {
    const health = await request(`${stack.url}/healthz`);
    expect(health.statusCode).toBe(200);
    expect(await health.body.json()).toEqual({ status: 'alive' });
    const ready = await request(`${stack.url}/readyz`);
    expect(ready.statusCode).toBe(200);
    expect(await ready.body.json()).toEqual({ status: 'ready', redis: 'up', platformToken: 'ok' });
  });

  it('says which part is not ready when no platform token can be had', async () => {
    await stack.api.fault({ endpoint: 'auth.token', kind: 'http', status: 502, times: -1 });
    const ready = await request(`${stack.url}/readyz`);
    expect(ready.statusCode).toBe(503);
    expect(await ready.body.json()).toMatchObject({
      status: 'not ready',
      redis: 'up',
      platformToken: expect.stringMatching(/^unavailable/),
    });
  });

  it('finishes in-flight requests and closes sockets with 1001 on shutdown', async () => {
    const { taskSn } = await stack.api.post<{ taskSn: string }>('/tasks', { taskType: 'flow', status: 1 });
    await stack.gql(`query($sn: ID!) { task(taskSn: $sn, type: ROBOT) { status } }`, { sn: taskSn });
    const token = await stack.token(['viewer']);
    const ws = new WebSocket(`${stack.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    await new Promise<void>((resolve) => {
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
      ws.once('message', () => resolve());
    });
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));

    await stack.api.fault({ endpoint: 'task.status', kind: 'delay', ms: 500 });
    const inflight = stack.gql(`query($sn: ID!) { task(taskSn: $sn, type: ROBOT) { status } }`, { sn: taskSn });
    await new Promise((r) => setTimeout(r, 100));
    const stopping = stack.gateway.close();
    const answer = await inflight;
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.task.status).toBe('RUNNING');
    expect(await closed).toBe(1012); // service restart: reconnect elsewhere
    await stopping;
    await expect(request(`${stack.url}/healthz`)).rejects.toThrow();
  });
});
