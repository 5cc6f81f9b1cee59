import type { IncomingMessage } from 'node:http';

/** Whether a request has a body, as `type-is` (Express, body-parser) decides: Transfer-Encoding or a numeric Content-Length. */
export function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || !Number.isNaN(Number(req.headers['content-length']));
}

const isOws = (code: number) => code === 32 || code === 9;

/**
 * The media type of a Content-Type header, lower-cased, without parameters or surrounding spaces
 * and tabs ('' when there is none): what `type-is` (through `content-type` 2) compares with.
 */
export function mediaType(header: string | undefined): string {
  if (!header) return '';
  const semi = header.indexOf(';');
  let end = semi === -1 ? header.length : semi;
  let start = 0;
  while (start < end && isOws(header.charCodeAt(start))) start++;
  while (end > start && isOws(header.charCodeAt(end - 1))) end--;
  return header.slice(start, end).toLowerCase();
}
