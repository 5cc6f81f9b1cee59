import type { IncomingMessage } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';
import proxyaddr from 'proxy-addr';

/** Zero groups (any compression) followed by ffff and a dotted IPv4 address: ::ffff:1.2.3.4, 0:0:0:0:0:FFFF:1.2.3.4. */
const MAPPED = /^(?:0{1,4}:|:)+ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

/** An IPv4-mapped IPv6 address (::ffff:1.2.3.4) as plain IPv4 (1.2.3.4); any other string unchanged. */
export function plainAddress(address: string): string {
  // Only a mixed IPv6/IPv4 notation, at most 45 characters long, can be mapped: plain IPv4 and IPv6 leave at once.
  if (address.length > 45 || address.indexOf('.') === -1 || address.indexOf(':') === -1) return address;
  if (address.startsWith('::ffff:')) {
    const v4 = address.slice(7); // Node's own notation for an IPv4 peer on a dual-stack socket
    return isIPv4(v4) ? v4 : address;
  }
  const m = MAPPED.exec(address);
  return m && isIPv4(m[1]) && isIPv6(address) ? m[1] : address;
}

/** Distinct addresses whose trust is remembered before the memo starts over. */
const MEMO_SIZE = 4096;

/**
 * proxy-addr's compiled list check parses every hop with ipaddr.js (3-4 µs a hop, ~17 µs for a
 * mapped address); its answer depends on the address alone, and the addresses a deployment sees in
 * the trusted part of the chain are few (its proxies), so it is remembered, within a bound.
 */
function memoized(check: (address: string, i: number) => boolean): (address: string, i: number) => boolean {
  const memo = new Map<string, boolean>();
  return (address, i) => {
    let answer = memo.get(address);
    if (answer === undefined) {
      answer = check(address, i);
      if (memo.size >= MEMO_SIZE) memo.clear();
      memo.set(address, answer);
    }
    return answer;
  };
}

/**
 * The client address of a request as TRUST_PROXY (`config.trustProxy`) says to read it, with the
 * semantics of Express's `trust proxy` (built on the same `proxy-addr`):
 * - `0`: the socket's peer; X-Forwarded-For is ignored.
 * - a hop count `n`: the `n` nearest hops (the socket's peer first, then X-Forwarded-For from the
 *   right) are trusted proxies; the client is the address after them, or the farthest one given.
 * - a list of addresses, CIDR ranges or proxy-addr's names (loopback, linklocal, uniquelocal): X-Forwarded-For
 *   is walked from the right while the hop is one of them; the first untrusted hop is the client.
 * IPv4-mapped IPv6 (::ffff:1.2.3.4) comes back as plain IPv4. The trust is compiled once; the
 * returned function runs per request. An address from X-Forwarded-For is whatever a trusted proxy
 * wrote there, not necessarily an IP address: callers that match it check it is one. '' when the
 * socket has no peer address any more (closed).
 */
export function clientAddressResolver(trust: number | string[]): (req: IncomingMessage) => string {
  const isList = Array.isArray(trust);
  if (isList ? trust.length === 0 : trust <= 0) {
    return (req) => {
      const socket = req.socket.remoteAddress;
      return socket === undefined ? '' : plainAddress(socket);
    };
  }
  const hops = isList ? 0 : trust;
  const trusted = isList ? memoized(proxyaddr.compile(trust)) : (_address: string, i: number) => i < hops;
  return (req) => {
    const socket = req.socket.remoteAddress;
    if (socket === undefined) return '';
    // No header: the peer is the client whatever the trust (what proxy-addr would answer, without its parsing).
    if (req.headers['x-forwarded-for'] === undefined) return plainAddress(socket);
    return plainAddress(proxyaddr(req, trusted));
  };
}
