import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { request } from 'undici';
import { clientAddressResolver, plainAddress } from '../src/http/client-address';
import { startStack, type Stack } from './support/stack';

/** A request as the resolver sees it: the socket's peer and the X-Forwarded-For header. */
const req = (remoteAddress: string | undefined, forwardedFor?: string) =>
  ({
    socket: { remoteAddress },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  }) as unknown as IncomingMessage;

describe('clientAddressResolver', () => {
  it('with 0 (the default) answers the socket peer and ignores X-Forwarded-For', () => {
    const resolve = clientAddressResolver(0);
    expect(resolve(req('127.0.0.1', '10.1.2.3'))).toBe('127.0.0.1');
    expect(resolve(req('198.51.100.7', '10.1.2.3, 10.0.0.1'))).toBe('198.51.100.7');
    expect(resolve(req('::ffff:127.0.0.1', '10.1.2.3'))).toBe('127.0.0.1');
    expect(resolve(req('2001:db8::1'))).toBe('2001:db8::1');
    expect(clientAddressResolver([])(req('127.0.0.1', '10.1.2.3'))).toBe('127.0.0.1');
  });

  it('with a hop count trusts that many nearest hops, the socket peer first', () => {
    const one = clientAddressResolver(1);
    expect(one(req('127.0.0.1'))).toBe('127.0.0.1');
    expect(one(req('127.0.0.1', '10.1.2.3'))).toBe('10.1.2.3');
    expect(one(req('127.0.0.1', '10.1.2.3, 198.51.100.1'))).toBe('198.51.100.1');
    expect(one(req('127.0.0.1', '10.1.2.3,198.51.100.1'))).toBe('198.51.100.1');
    const two = clientAddressResolver(2);
    expect(two(req('127.0.0.1', '10.1.2.3, 198.51.100.1'))).toBe('10.1.2.3');
    expect(two(req('127.0.0.1', '203.0.113.5, 10.1.2.3, 198.51.100.1'))).toBe('10.1.2.3');
    // More hops trusted than there are: the farthest address given.
    expect(two(req('127.0.0.1', '10.1.2.3'))).toBe('10.1.2.3');
  });

  it('with a list walks X-Forwarded-For from the right while the hop is a trusted proxy', () => {
    const loopback = clientAddressResolver(['loopback']);
    expect(loopback(req('127.0.0.1', '10.1.2.3'))).toBe('10.1.2.3');
    expect(loopback(req('::1', '10.1.2.3'))).toBe('10.1.2.3');
    expect(loopback(req('::ffff:127.0.0.1', '10.1.2.3'))).toBe('10.1.2.3');
    expect(loopback(req('127.0.0.1', '10.1.2.3, 198.51.100.1'))).toBe('198.51.100.1');
    // An untrusted peer's header is not believed.
    expect(loopback(req('198.51.100.7', '10.1.2.3'))).toBe('198.51.100.7');
    const ranges = clientAddressResolver(['192.0.2.0/24', '2001:db8::/32']);
    expect(ranges(req('192.0.2.10', '203.0.113.9, 10.1.2.3, 192.0.2.11'))).toBe('10.1.2.3');
    expect(ranges(req('2001:db8::5', '10.1.2.3'))).toBe('10.1.2.3');
    expect(ranges(req('127.0.0.1', '10.1.2.3'))).toBe('127.0.0.1');
    // A mapped peer matches an IPv4 range.
    expect(ranges(req('::ffff:192.0.2.10', '10.1.2.3'))).toBe('10.1.2.3');
  });

  it('gives the same answers for many distinct addresses as for a few (the list check is remembered within a bound)', () => {
    const list = clientAddressResolver(['loopback', '10.0.0.0/8']);
    for (let i = 0; i < 10_000; i++) {
      const client = `198.51.${(i >> 8) & 255}.${i & 255}`;
      const proxy = `10.0.${(i >> 8) & 255}.${i & 255}`;
      expect(list(req('127.0.0.1', `${client}, ${proxy}`))).toBe(client);
      if (i % 1000 === 0) expect(list(req(client, '10.1.2.3'))).toBe(client);
    }
    expect(list(req('127.0.0.1', '203.0.113.9, 10.9.9.9'))).toBe('203.0.113.9');
  });

  it('answers IPv4-mapped IPv6 from X-Forwarded-For as plain IPv4, and passes what is not an address through', () => {
    const one = clientAddressResolver(1);
    expect(one(req('127.0.0.1', '::ffff:10.1.2.3'))).toBe('10.1.2.3');
    expect(one(req('127.0.0.1', '0:0:0:0:0:FFFF:10.1.2.3'))).toBe('10.1.2.3');
    expect(one(req('127.0.0.1', '2001:db8::7'))).toBe('2001:db8::7');
    expect(one(req('127.0.0.1', 'unknown'))).toBe('unknown');
    expect(one(req(undefined, '10.1.2.3'))).toBe('');
    expect(clientAddressResolver(0)(req(undefined))).toBe('');
  });

  it.each([
    ['1.2.3.4', '1.2.3.4'],
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['::FFFF:1.2.3.4', '1.2.3.4'],
    ['0::ffff:1.2.3.4', '1.2.3.4'],
    ['0000:0:0:0:0:ffff:1.2.3.4', '1.2.3.4'],
    ['::1', '::1'],
    ['2001:db8::1.2.3.4', '2001:db8::1.2.3.4'],
    ['::1.2.3.4', '::1.2.3.4'],
    ['::0:1:ffff:1.2.3.4', '::0:1:ffff:1.2.3.4'],
    ['::ffff:1.2.3', '::ffff:1.2.3'],
    ['::ffff:999.2.3.4', '::ffff:999.2.3.4'],
  ])('plainAddress(%s) is %s', (address, plain) => {
    expect(plainAddress(address)).toBe(plain);
  });
});

async function post(url: string, forwardedFor?: string) {
  const taskSn = randomUUID();
  const body = JSON.stringify({
    event: 'CallEnd',
    callId: `c-${taskSn}`,
    taskSn,
    called: '13800000000',
    caller: '95001',
    hangupGcode: 0,
    duration: 1000,
  });
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (forwardedFor !== undefined) headers['x-forwarded-for'] = forwardedFor;
  const res = await request(url, { method: 'POST', headers, body });
  return { status: res.statusCode, text: await res.body.text() };
}

const refused = { status: 404, text: '' };

describe('TRUST_PROXY and HOOK_ALLOW_CIDRS', () => {
  // Every test client connects from 127.0.0.1; only 10.0.0.0/8 may send callbacks.
  let untrusted: Stack;
  let oneHop: Stack;
  let loopback: Stack;
  beforeAll(async () => {
    [untrusted, oneHop, loopback] = await Promise.all([
      startStack({ env: { HOOK_ALLOW_CIDRS: '10.0.0.0/8' } }),
      startStack({ env: { HOOK_ALLOW_CIDRS: '10.0.0.0/8', TRUST_PROXY: '1' } }),
      startStack({ env: { HOOK_ALLOW_CIDRS: '10.0.0.0/8', TRUST_PROXY: 'loopback' } }),
    ]);
  });
  afterAll(async () => {
    await untrusted?.close();
    await oneHop?.close();
    await loopback?.close();
  });

  it('without TRUST_PROXY ignores X-Forwarded-For: a caller outside the list cannot claim an address inside it', async () => {
    expect(untrusted.config.trustProxy).toBe(0);
    expect(await post(untrusted.hookUrl, '10.1.2.3')).toEqual(refused);
    expect(await post(untrusted.hookUrl, '203.0.113.9, 10.1.2.3')).toEqual(refused);
    expect(await post(`${untrusted.hookUrl}/ivr`, '10.1.2.3')).toEqual(refused);
    expect(await post(untrusted.hookUrl)).toEqual(refused);
  });

  it.each([
    ['TRUST_PROXY=1', () => oneHop],
    ['TRUST_PROXY=loopback', () => loopback],
  ])('with %s the load balancer on loopback forwards the client address it saw', async (_name, stack) => {
    const s = stack();
    const accepted = await post(s.hookUrl, '10.1.2.3');
    expect(accepted.status).toBe(200);
    expect(JSON.parse(accepted.text)).toEqual({ code: 0, msg: 'success' });
    expect((await post(s.hookUrl, '::ffff:10.1.2.3')).status).toBe(200);
    expect(await post(s.hookUrl, '203.0.113.9')).toEqual(refused);
    // The nearest hop is the client: an address the caller wrote farther left is not believed.
    expect(await post(s.hookUrl, '10.1.2.3, 198.51.100.1')).toEqual(refused);
    // No header: the load balancer itself is the caller, and it is not in the list.
    expect(await post(s.hookUrl)).toEqual(refused);
    expect(await post(s.hookUrl, 'not-an-address')).toEqual(refused);
  });
});
