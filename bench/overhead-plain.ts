/**
 * The plain side of `npm run bench:overhead` (bench/overhead.ts), run as its own process: what a
 * team would write instead of the gateway. node:http + an undici Pool to the platform, one token
 * obtained at start and held, the client's `authorization` header checked by a string compare.
 *   GET /skill-groups?page&pageSize → group.page → `{ total, records: [{ sn, name, agentTotal }] }`;
 *   GET /call-logs?taskSn&page&pageSize → task.logPage (robot task), then lookup.location of each
 *     distinct called number that this process has not looked up before (all at once, through the
 *     pool; answers kept in a Map for the process's life: no TTL, no shared cache, no limits) →
 *     `{ total, records: [{ calledInfo: { location: { province } } }] }`.
 * Env: OVERHEAD_UPSTREAM (base URL), OVERHEAD_ACCESS_KEY_ID, OVERHEAD_ACCESS_KEY_SECRET,
 * OVERHEAD_AUTHORIZATION (the header value to accept), PORT (0). Prints `{"port":<n>}` once it listens.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

interface Envelope<T> {
  code?: unknown;
  msg?: string;
  data?: T;
}

async function main(): Promise<void> {
  const upstream = process.env.OVERHEAD_UPSTREAM ?? '';
  const authorization = process.env.OVERHEAD_AUTHORIZATION ?? '';
  if (!upstream || !authorization) throw new Error('OVERHEAD_UPSTREAM and OVERHEAD_AUTHORIZATION are required');
  const pool = new Pool(upstream, { connections: 128, keepAliveTimeout: 30_000 });

  const get = async <T>(path: string): Promise<T> => {
    const res = await pool.request({ path, method: 'GET', headers: { accept: 'application/json' } });
    const envelope = (await res.body.json()) as Envelope<T>;
    if (String(envelope.code) !== '0') throw new Error(`platform answered ${String(envelope.code)} ${envelope.msg ?? ''}`);
    return envelope.data as T;
  };

  const tokenRes = await pool.request({
    path: '/api/token',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ accessKeyId: process.env.OVERHEAD_ACCESS_KEY_ID, accessKeySecret: process.env.OVERHEAD_ACCESS_KEY_SECRET }),
  });
  const tokenAnswer = (await tokenRes.body.json()) as Envelope<{ token: string }>;
  if (tokenAnswer.code !== 0 || !tokenAnswer.data) throw new Error(`no token: ${JSON.stringify(tokenAnswer)}`);
  const token = encodeURIComponent(tokenAnswer.data.token);

  const provinces = new Map<string, string | null>();
  const province = async (phone: string): Promise<void> => {
    const data = await get<{ province?: string }>(`/openapi/location/${encodeURIComponent(phone)}?token=${token}`);
    provinces.set(phone, data?.province ?? null);
  };

  const skillGroups = async (query: URLSearchParams) => {
    const page = Number(query.get('page') ?? 1);
    const pageSize = Number(query.get('pageSize') ?? 10);
    const data = await get<{ total?: number; records?: { sn: string; name: string; agentTotal?: number }[] }>(
      `/api/group/open/page?pageNo=${page}&pageSize=${pageSize}&token=${token}`,
    );
    return {
      total: Number(data?.total ?? 0),
      records: (data?.records ?? []).map((r) => ({ sn: String(r.sn), name: String(r.name ?? ''), agentTotal: Number(r.agentTotal ?? 0) })),
    };
  };

  const callLogs = async (query: URLSearchParams) => {
    const taskSn = encodeURIComponent(query.get('taskSn') ?? '');
    const page = Number(query.get('page') ?? 1);
    const pageSize = Number(query.get('pageSize') ?? 20);
    const data = await get<{ total?: number; records?: { called?: string }[] }>(
      `/obc/api/task/open/log/page?taskType=flow&pageNo=${page}&pageSize=${pageSize}&taskSn=${taskSn}&token=${token}`,
    );
    const records = data?.records ?? [];
    const missing = [...new Set(records.map((r) => String(r.called ?? '')))].filter((n) => n !== '' && !provinces.has(n));
    await Promise.all(missing.map(province));
    return {
      total: Number(data?.total ?? records.length),
      records: records.map((r) => ({ calledInfo: r.called ? { location: { province: provinces.get(String(r.called)) ?? null } } : null })),
    };
  };

  const server = http.createServer((req, res) => {
    const answer = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (req.headers.authorization !== authorization) return answer(401, { error: 'unauthorized' });
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    const handler = path === '/skill-groups' ? skillGroups : path === '/call-logs' ? callLogs : undefined;
    if (!handler || req.method !== 'GET') return answer(404, { error: 'not found' });
    handler(query).then(
      (out) => answer(200, out),
      (err: Error) => answer(502, { error: err.message }),
    );
  });
  server.keepAliveTimeout = 65_000;
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
  });
  process.on('SIGTERM', () => process.exit(0));
}

main().catch((err: Error) => {
  process.stderr.write(`overhead-plain failed: ${err.message}\n`);
  process.exit(1);
});
