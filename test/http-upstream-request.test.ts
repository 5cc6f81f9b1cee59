import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as fc from 'fast-check';
import type { Dispatcher } from 'undici';
import { UpstreamError } from '../src/errors';
import { UpstreamClient } from '../src/upstream/http';
import { createLogger } from '../src/logger';
import type { EndpointId } from '../spec/endpoint-ids';
import { endpoint, ENDPOINTS } from '../src/spec';

/**
 * The upstream client builds each request's path, query string and form body without URL and
 * URLSearchParams objects (src/upstream/http.ts, FormFields): the bytes must be those
 * URLSearchParams gives, for any keys and values (unicode, reserved characters, lone surrogates).
 */
type Sent = { origin: string; path: string; method: string; headers: Record<string, string>; body?: unknown };

function clientCapturing(sent: Sent[]): UpstreamClient {
  const client = new UpstreamClient({
    hosts: { cc: 'http://cc.test:8080/base/', notice: 'http://notice.test/n', open: 'http://open.test' },
    timeoutMs: 1000,
    logger: createLogger('silent'),
  });
  const envelope = JSON.stringify({ code: '0', msg: 'ok', data: null });
  (client as unknown as { agent: Pick<Dispatcher, 'dispatch' | 'close'> }).agent = {
    dispatch: (opts: Sent, handler: Dispatcher.DispatchHandler) => {
      sent.push(opts);
      queueMicrotask(() => {
        handler.onConnect?.(() => undefined);
        handler.onHeaders?.(200, [], () => undefined, 'OK');
        handler.onData?.(Buffer.from(envelope));
        handler.onComplete?.([]);
      });
      return true;
    },
    close: (async () => undefined) as never,
  } as never;
  for (const host of ['cc', 'notice', 'open'] as const)
    client.useTokens(host, { get: async () => 'tok en+/é', invalidate: async () => undefined });
  return client;
}

/** What the client sent before (URL + URLSearchParams), for comparison. */
function expectedSearch(query: Record<string, unknown>, token: string | undefined, extra: Record<string, unknown> = {}): string {
  const q = new URLSearchParams();
  const add = (p: URLSearchParams, k: string, v: unknown) => {
    if (v !== undefined && v !== null) p.append(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
  };
  for (const [k, v] of Object.entries(query)) add(q, k, v);
  if (token) q.set('token', token);
  for (const [k, v] of Object.entries(extra)) if (k !== 'token') add(q, k, v);
  return q.toString();
}

const value = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom(' ', "!'()~*-._", '%20', '%', '+', '&=?#', '\uD800', 'a\uDC00b', '中文 号码'),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 }),
);
const fields = fc.dictionary(fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.constant('token')), value, { maxKeys: 5 });

describe('upstream requests: path, query string and form body', () => {
  it('builds the query string of a GET (token in the query) as URLSearchParams did', async () => {
    const sent: Sent[] = [];
    const client = clientCapturing(sent);
    const spec = endpoint('group.page');
    expect(spec).toMatchObject({ method: 'GET', contentType: 'query', tokenIn: 'query' });
    await fc.assert(
      fc.asyncProperty(fields, fields, async (query, body) => {
        sent.length = 0;
        await client.call('group.page', { query, body });
        const search = expectedSearch(query, 'tok en+/é', body);
        expect(sent[0].origin).toBe('http://cc.test:8080');
        expect(sent[0].path).toBe(search ? `/base${spec.path}?${search}` : `/base${spec.path}`);
      }),
      { numRuns: 300 },
    );
  });

  it('builds form bodies (token in the form) as URLSearchParams did', async () => {
    const sent: Sent[] = [];
    const client = clientCapturing(sent);
    const form = ENDPOINTS.find((e) => e.contentType === 'form' && e.tokenIn === 'form' && !e.path.includes('{'));
    expect(form).toBeDefined();
    await fc.assert(
      fc.asyncProperty(fields, async (body) => {
        sent.length = 0;
        await client.call(form!.id as EndpointId, { body });
        const expected = new URLSearchParams();
        for (const [k, v] of Object.entries({ ...body, token: 'tok en+/é' }))
          if (v !== undefined && v !== null) expected.append(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
        expect(sent[0].body).toBe(expected.toString());
        expect(sent[0].headers).toEqual({ accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' });
      }),
      { numRuns: 200 },
    );
  });

  it('fills path parameters (encoded) and sends JSON bodies with the token as before', async () => {
    const sent: Sent[] = [];
    const client = clientCapturing(sent);
    expect(endpoint('group.update')).toMatchObject({ path: '/api/group/open/{sn}', contentType: 'json', tokenIn: 'body' });
    await client.call('group.update', { params: { sn: 'a/b c?é' }, body: { token: 'first', name: 'x' } });
    expect(sent[0]).toMatchObject({
      origin: 'http://cc.test:8080',
      path: `/base/api/group/open/${encodeURIComponent('a/b c?é')}`,
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'tok en+/é', name: 'x' }),
    });
    await expect(client.call('group.update', { body: {} })).rejects.toThrow('missing path parameter sn for group.update');
  });
});

describe('upstream answers read without a response stream', () => {
  const answers: Record<string, (res: http.ServerResponse) => void> = {
    '/bom': (res) => res.end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"code":"0","msg":"ok","data":"é"}')])),
    '/split': (res) => {
      // A two-byte character split across chunks, in a chunked answer.
      const bytes = Buffer.from('{"code":"0","msg":"ok","data":"中文"}');
      res.write(bytes.subarray(0, 33));
      setTimeout(() => res.end(bytes.subarray(33)), 20);
    },
    '/dates': (res) => {
      res.setHeader('date', ['Thu, 01 Jan 2026 00:00:00 GMT', 'Fri, 02 Jan 2026 00:00:00 GMT']);
      res.end('{"code":"0","msg":"ok","data":1}');
    },
    '/continue': (res) => {
      res.writeProcessing();
      res.end('{"code":"0","msg":"ok","data":2}');
    },
    '/403': (res) => ((res.statusCode = 403), res.end('no auth')),
    '/502': (res) => ((res.statusCode = 502), res.end('{"code":"0"}')),
    '/empty': (res) => res.end(),
    '/trickle': (res) => {
      res.write('{"code":"0",');
      setTimeout(() => res.end('"data":3}'), 600);
    },
  };
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => answers[new URL(req.url!, 'http://x').pathname]?.(res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  /** Calls a GET endpoint whose path is rewritten to one of the answers above. */
  async function call(path: string, timeoutMs = 300): Promise<unknown> {
    const client = new UpstreamClient({
      hosts: { cc: base, notice: base, open: base },
      timeoutMs,
      logger: createLogger('silent'),
      getRetries: 0,
    });
    client.useTokens('cc', { get: async () => 't', invalidate: async () => undefined });
    (client as unknown as { routes: Map<string, unknown> }).routes.set('group.page', { origin: base, pieces: [path] });
    try {
      return (await client.call('group.page')).data;
    } catch (err) {
      return err;
    } finally {
      await client.close();
    }
  }

  it('decodes UTF-8 without a BOM, across chunks, and reads the first Date header', async () => {
    expect(await call('/bom')).toBe('é');
    expect(await call('/split')).toBe('中文');
    expect(await call('/dates')).toBe(1);
    expect(await call('/continue')).toBe(2);
  });

  it('keeps the failures as they were: no envelope, 5xx, and a body that outlasts the deadline', async () => {
    expect(await call('/403')).toBeInstanceOf(UpstreamError); // 403 without envelope: refused token, retried once, then code 403
    expect(await call('/502')).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', reason: 'HTTP 502' });
    expect(await call('/empty')).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', reason: 'HTTP 200 without a platform envelope' });
    expect(await call('/trickle', 300)).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', reason: 'no answer within 300 ms', timedOut: true });
  });
});
