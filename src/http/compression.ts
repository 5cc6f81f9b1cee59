import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { constants, createBrotliCompress, createGzip, type BrotliOptions, type ZlibOptions } from 'node:zlib';
import Negotiator from 'negotiator';

/**
 * Compression of answers (the /graphql answers and the pages) with Node's zlib: brotli or gzip, as
 * the request's Accept-Encoding prefers (q-values honoured, by `negotiator`), from
 * COMPRESSION_MIN_BYTES on. Never for WebSockets (they do not pass here) or event streams.
 */
export type Encoding = 'br' | 'gzip';

/** Brotli's default quality (11) takes seconds for a few MB; 4 compresses JSON about as well as gzip 6, faster. */
export const BROTLI: BrotliOptions = { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } };
const GZIP: ZlibOptions = { level: 6 };

interface PreferringNegotiator {
  encodings(available: string[], options: { preferred: string[] }): string[];
}

/** Preferred first when the client weighs them equally (browsers send "gzip, deflate, br"): brotli is smaller. */
const AVAILABLE: Encoding[] = ['br', 'gzip'];

/** The encoding to answer with, or undefined for none (not accepted, or `identity` preferred). */
export function chooseEncoding(req: IncomingMessage): Encoding | undefined {
  const accept = req.headers['accept-encoding'];
  if (!accept) return undefined;
  // negotiator 1's `preferred` (not in its type definitions): our order where the client's weights tie.
  const negotiator = new Negotiator(req) as unknown as PreferringNegotiator;
  const chosen = negotiator.encodings([...AVAILABLE, 'identity'], { preferred: AVAILABLE })[0];
  return chosen === 'br' || chosen === 'gzip' ? chosen : undefined;
}

/** The compressing stream of an encoding. */
export function compressor(encoding: Encoding) {
  return encoding === 'br' ? createBrotliCompress(BROTLI) : createGzip(GZIP);
}

/** Whether an answer of this type and size is worth compressing (event streams never: they are read as they come). */
export function compressible(type: string | undefined, bytes: number, minBytes: number): boolean {
  return bytes >= minBytes && !(type ?? '').startsWith('text/event-stream');
}

/**
 * Ends the response with the body compressed as a stream (the event loop is not held for a
 * multi-megabyte answer). The caller has set status and headers; Content-Length is replaced by
 * chunked transfer, and `Vary: Accept-Encoding` is added.
 */
export function sendCompressed(res: ServerResponse, body: string | Buffer, encoding: Encoding): void {
  res.removeHeader('Content-Length');
  res.setHeader('Content-Encoding', encoding);
  addVary(res);
  pipeline(Readable.from([typeof body === 'string' ? Buffer.from(body, 'utf8') : body]), compressor(encoding), res, (err) => {
    if (err) res.destroy(); // the client went away
  });
}

/** `Vary: Accept-Encoding`, kept with any Vary already set. */
export function addVary(res: ServerResponse): void {
  const vary = res.getHeader('vary');
  if (vary === undefined) res.setHeader('Vary', 'Accept-Encoding');
  else if (!/\baccept-encoding\b/i.test(String(vary))) res.setHeader('Vary', `${String(vary)}, Accept-Encoding`);
}
