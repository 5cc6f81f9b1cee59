import { createServer } from 'node:net';
import { request } from 'undici';
import WebSocket from 'ws';
import { runToExit, sandboxOf, startGatewayProcess, type GatewayProcess } from './support/process';

function gql(url: string, token: string, query: string, variables?: Record<string, unknown>) {
  return request(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  }).then(async (res) => ({ status: res.statusCode, body: (await res.body.json()) as Record<string, any> }));
}

/** A graphql-ws socket past connection_init; resolves with it and a promise of its close code. */
async function openSocket(url: string, token: string): Promise<{ ws: WebSocket; closed: Promise<number> }> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    ws.once('message', (data) => (JSON.parse(String(data)).type === 'connection_ack' ? resolve() : reject(new Error(String(data)))));
    ws.once('error', reject);
  });
  return { ws, closed };
}

const ready = async (url: string) => (await request(`${url}/readyz`)).statusCode;
const exitOf = (gateway: GatewayProcess) =>
  new Promise<number | null>((resolve) => {
    if (gateway.child.exitCode !== null) resolve(gateway.child.exitCode);
    else gateway.child.once('exit', (code) => resolve(code));
  });

describe('graceful shutdown of the gateway process (SIGTERM)', () => {
  let gateway: GatewayProcess | undefined;
  afterEach(async () => {
    await gateway?.stop('SIGKILL');
    gateway = undefined;
  });

  it('turns not ready at once, serves through the drain, lets a 3 s operation finish, closes sockets with 1012, exits 0', async () => {
    gateway = await startGatewayProcess({ SHUTDOWN_DRAIN_MS: '1500', SHUTDOWN_TIMEOUT_MS: '15000' });
    const { url } = gateway;
    const { api, token } = await sandboxOf(gateway);
    expect(await ready(url)).toBe(200);
    const socket = await openSocket(url, token);

    await api.fault({ endpoint: 'group.page', kind: 'delay', ms: 3000 });
    const started = Date.now();
    const slow = gql(url, token, '{ skillGroups { total } }');
    await new Promise((r) => setTimeout(r, 300)); // the operation is waiting on the platform
    const exited = exitOf(gateway);
    gateway.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));

    // Draining: not ready, yet still serving new requests.
    const readiness = await request(`${url}/readyz`);
    expect(readiness.statusCode).toBe(503);
    expect(await readiness.body.json()).toEqual({ status: 'shutting down' });
    expect((await gql(url, token, '{ __typename }')).body).toEqual({ data: { __typename: 'Query' } });

    // After the drain: the socket is told the service restarts, new connections are refused.
    expect(await socket.closed).toBe(1012);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    await expect(request(`${url}/healthz`)).rejects.toThrow();

    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(typeof answer.body.data.skillGroups.total).toBe('number');
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    expect(await exited).toBe(0);
    expect(gateway.output.join('\n')).not.toMatch(/retrying":true/);
  });

  it('answers an operation still running at SHUTDOWN_TIMEOUT_MS with an UNAVAILABLE GraphQL error, then exits 0', async () => {
    gateway = await startGatewayProcess({ SHUTDOWN_DRAIN_MS: '100', UPSTREAM_TIMEOUT_MS: '1000', SHUTDOWN_TIMEOUT_MS: '1500' });
    const { url } = gateway;
    const { api, token } = await sandboxOf(gateway);
    const created = await gql(url, token, 'mutation { createSkillGroup(input: { name: "Shutdown" }) }');
    const sn = created.body.data.createSkillGroup as string;
    // Mutation fields run one after the other: three platform calls of 900 ms, each within the upstream timeout.
    await api.fault({ endpoint: 'group.update', kind: 'delay', ms: 900, times: 3 });
    const mutation = `mutation($sn: ID!) {
      a: updateSkillGroup(sn: $sn, input: { name: "A" })
      b: updateSkillGroup(sn: $sn, input: { name: "B" })
      c: updateSkillGroup(sn: $sn, input: { name: "C" })
    }`;
    const slow = gql(url, token, mutation, { sn });
    await new Promise((r) => setTimeout(r, 200));
    const exited = exitOf(gateway);
    gateway.child.kill('SIGTERM');

    const answer = await slow;
    expect(answer.status).toBe(503);
    expect(answer.body).toEqual({
      errors: [{ message: expect.stringMatching(/shutting down/), extensions: { code: 'UNAVAILABLE', requestId: expect.any(String) } }],
    });
    expect(await exited).toBe(0);
  });
});

describe('start-up failures', () => {
  it('names every bad variable, one line each, and exits 2', async () => {
    const { code, output } = await runToExit({
      PORT: 'eighty',
      LIMIT_DEPTH: '-1',
      CORS_ORIGINS: 'ops.example.test',
      UPSTREAM_TIMEOUT_MS: '30000',
      SHUTDOWN_DRAIN_MS: 'soon',
    });
    expect(code).toBe(2);
    const lines = output.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^invalid configuration: PORT /),
      expect.stringMatching(/^invalid configuration: LIMIT_DEPTH /),
      expect.stringMatching(/^invalid configuration: CORS_ORIGINS /),
      expect.stringMatching(/^invalid configuration: SHUTDOWN_DRAIN_MS /),
      'invalid configuration: SHUTDOWN_TIMEOUT_MS must be longer than UPSTREAM_TIMEOUT_MS (30000)',
    ]);
  });

  it('says in one line that the port is busy, without a stack trace, and exits 2', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const { code, output } = await runToExit({ PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
      expect(code).toBe(2);
      const lines = output
        .trim()
        .split('\n')
        .filter((l) => !l.startsWith('{')); // log lines are JSON
      expect(lines).toEqual([`occ-gateway failed to start: port ${port} on 127.0.0.1 is already in use (PORT, HOST)`]);
      expect(output).not.toMatch(/Internal error|\n\s+at /);
    } finally {
      busy.close();
    }
  });
});
