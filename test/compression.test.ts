import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { request } from 'undici';
import WebSocket from 'ws';
import { startStack, type Stack } from './support/stack';

/** An answer of tens of kilobytes that needs no platform call. */
const LARGE = '{ __schema { types { name description fields { name description args { name description } } } } }';

async function post(stack: Stack, query: string, acceptEncoding?: string) {
  const token = await stack.token(['admin']);
  const res = await request(`${stack.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      ...(acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding }),
    },
    body: JSON.stringify({ query }),
  });
  const raw = Buffer.from(await res.body.arrayBuffer());
  const encoding = res.headers['content-encoding'] as string | undefined;
  const text = (encoding === 'br' ? brotliDecompressSync(raw) : encoding === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
  return { status: res.statusCode, headers: res.headers, raw, encoding, json: JSON.parse(text) as Record<string, any> };
}

describe('compression of answers', () => {
  let stack: Stack;
  let plain: Awaited<ReturnType<typeof post>>;
  beforeAll(async () => {
    stack = await startStack();
    plain = await post(stack, LARGE);
  });
  afterAll(() => stack.close());

  test('without Accept-Encoding a large answer goes out as it is, saying it could vary', () => {
    expect(plain.status).toBe(200);
    expect(plain.encoding).toBeUndefined();
    expect(plain.raw.length).toBeGreaterThan(20_000);
    expect(plain.headers['content-length']).toBe(String(plain.raw.length));
    expect(plain.headers.vary).toMatch(/accept-encoding/i);
  });

  test.each([
    ['gzip', 'gzip'],
    ['br', 'br'],
    ['gzip, deflate, br', 'br'],
    ['br;q=0.5, gzip', 'gzip'],
    ['identity', undefined],
    ['deflate', undefined],
    ['gzip;q=0, br;q=0', undefined],
  ])('Accept-Encoding %p is answered with %p, the same answer', async (accept, expected) => {
    const answer = await post(stack, LARGE, accept);
    expect(answer.status).toBe(200);
    expect(answer.encoding).toBe(expected);
    expect(answer.headers.vary).toMatch(/accept-encoding/i);
    expect(answer.json).toEqual(plain.json);
    if (expected) {
      expect(answer.headers['content-length']).toBeUndefined();
      expect(answer.raw.length).toBeLessThan(plain.raw.length / 4);
    }
  });

  test('an answer below COMPRESSION_MIN_BYTES (1 KiB) is not compressed', async () => {
    const small = await post(stack, '{ __typename }', 'gzip, br');
    expect(small.encoding).toBeUndefined();
    expect(small.json).toEqual({ data: { __typename: 'Query' } });
  });

  test('errors are compressed like any answer once large enough, small ones not', async () => {
    const bad = await post(stack, '{ nothingHere }', 'gzip');
    expect(bad.status).toBe(400);
    expect(bad.encoding).toBeUndefined();
    expect(bad.json.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  test('the pages and their assets too: brotli or gzip, each its own ETag', async () => {
    const page = await request(`${stack.url}/wallboard`);
    const js = /src="(\/wallboard\/assets\/app-[A-Z0-9]+\.js)"/.exec(await page.body.text())![1];
    const tags = new Set<string>();
    for (const accept of ['br', 'gzip', '']) {
      const res = await request(`${stack.url}${js}`, { headers: accept ? { 'accept-encoding': accept } : {} });
      const raw = Buffer.from(await res.body.arrayBuffer());
      expect(res.headers['content-encoding']).toBe(accept || undefined);
      expect(res.headers.vary).toBe('Accept-Encoding');
      const text = (accept === 'br' ? brotliDecompressSync(raw) : accept === 'gzip' ? gunzipSync(raw) : raw).toString();
      expect(text).toContain('graphql-transport-ws');
      tags.add(String(res.headers.etag));
    }
    expect(tags.size).toBe(3);
  });

  test('WebSockets are not compressed (no permessage-deflate, even when the client offers it)', async () => {
    const ws = new WebSocket(`${stack.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', { perMessageDeflate: true });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    expect(ws.extensions).toBe('');
    ws.close();
  });
});

describe('COMPRESSION_MIN_BYTES', () => {
  test('0 compresses every answer', async () => {
    const stack = await startStack({ env: { COMPRESSION_MIN_BYTES: '0' } });
    try {
      const small = await post(stack, '{ __typename }', 'gzip');
      expect(small.encoding).toBe('gzip');
      expect(small.json).toEqual({ data: { __typename: 'Query' } });
    } finally {
      await stack.close();
    }
  });
});
