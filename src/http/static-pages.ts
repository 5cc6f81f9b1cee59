import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, extname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, gzip } from 'node:zlib';
import { addVary, BROTLI, chooseEncoding, type Encoding } from './compression';

/**
 * The gateway's own pages, served by Node's HTTP server ahead of any other routing: `GET /` (a
 * short page pointing to the wallboard and the GraphQL endpoint), `GET /wallboard` and
 * `GET /explorer` (GraphiQL; only when EXPLORER is on) with their assets, the files `npm run build`
 * bundled into dist/web/<page> (scripts/build-web.mjs).
 *
 * The files are read once, when the handler is made; nothing is built or looked up on disk per
 * request, and a request can only name one of the files read (no path reaches the file system).
 * Pages are never cached (`no-cache`, with an ETag); files under /wallboard/assets/ have a hash of
 * their content in their name and are cached for a year (`immutable`). Every page carries a strict
 * Content-Security-Policy: scripts, styles, images and fonts from this origin only (no inline
 * script), connections to this origin and its ws:/wss: twin only, no framing. The explorer's editor
 * (Monaco) also sets inline styles, runs its workers from this origin and has its icon fonts inline.
 * Files from COMPRESSION_MIN_BYTES on go out brotli- or gzip-compressed when accepted (each encoding
 * made once, on its first request).
 */
export type PageHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface StaticPagesOptions {
  /** The built pages, one folder each (default: dist/web of the project). */
  webDir?: string;
  /** Serve /explorer (EXPLORER). */
  explorer?: boolean;
  /** Files of at least this many bytes are sent compressed when accepted (COMPRESSION_MIN_BYTES; default 1024). */
  compressFrom?: number;
}

interface StaticFile {
  body: Buffer;
  /** The compressed forms, made on first use (undefined: not worth compressing). */
  encoded?: Map<Encoding, Promise<Buffer>>;
  type: string;
  etag: string;
  cacheControl: string;
  /** A page (HTML): gets the Content-Security-Policy and the other page headers. */
  page: boolean;
  /** Extra style-src sources (the hash of an inline stylesheet). */
  styleSources?: string;
  /** The explorer's page: its editor's needs in the Content-Security-Policy. */
  editor?: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.map', '.svg']);

const PAGE_CACHE = 'no-cache';
const ASSET_CACHE = 'public, max-age=31536000, immutable';

const EXPLORER = '/explorer';

/**
 * dist/web beside the compiled gateway (this module is dist/src/http/static-pages.js), or in the
 * project when it runs from its TypeScript source (src/http/static-pages.ts, in tests).
 */
function defaultWebDir(): string {
  const up = resolve(__dirname, '..', '..');
  return basename(up) === 'dist' ? join(up, 'web') : join(up, 'dist', 'web');
}

const compressWith: Record<Encoding, (body: Buffer) => Promise<Buffer>> = {
  // Brotli's default quality (11) takes half a minute for the explorer's 5 MB script.
  br: (body) => promisify(brotliCompress)(body, BROTLI),
  gzip: (body) => promisify(gzip)(body, { level: 9 }),
};

function file(body: Buffer, ext: string, cacheControl: string, page: boolean): StaticFile {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  return {
    body,
    encoded: COMPRESSIBLE.has(ext) ? new Map() : undefined,
    type: TYPES[ext] ?? 'application/octet-stream',
    etag,
    cacheControl,
    page,
  };
}

/** The file in an encoding, compressed on first use (in zlib's thread pool, not on the event loop). */
function encodedBody(f: StaticFile, encoding: Encoding): Promise<Buffer> {
  let body = f.encoded!.get(encoding);
  if (!body) {
    body = compressWith[encoding](f.body);
    f.encoded!.set(encoding, body);
  }
  return body;
}

const HOME_STYLE =
  'body{margin:0;background:#070b10;color:#f4f7fa;font:18px/1.5 system-ui,sans-serif}' +
  'main{max-width:44rem;margin:0 auto;padding:2.5rem 1.25rem}h1{margin:0 0 .25rem}p{color:#a9b6c4;margin:.25rem 0 1.5rem}' +
  'ul{list-style:none;padding:0;margin:0;display:grid;gap:.75rem}li{background:#0f1720;border:1px solid #22303e;border-radius:.5rem;padding:.9rem 1.1rem}' +
  'a{color:#4db8ff;font-weight:700;font-size:1.15rem}a:focus-visible{outline:3px solid #ffc233;outline-offset:2px}' +
  'span{display:block;color:#a9b6c4}code{color:#f4f7fa;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em}';

const HOME_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark">
<title>occ-gateway</title>
<style>${HOME_STYLE}</style>
</head>
<body>
<main>
<h1>occ-gateway</h1>
<p>One GraphQL API in front of the v-call contact-center platform.</p>
<ul>
%EXPLORER%<li><a href="/wallboard">Wallboard</a><span>Live skill groups and agents. Needs a viewer token: it asks for one, or takes <code>/wallboard#token=&lt;JWT&gt;</code>.</span></li>
<li><a href="/graphql">GraphQL endpoint</a><span><code>POST /graphql</code> with <code>Authorization: Bearer &lt;JWT&gt;</code>; subscriptions over WebSocket at the same path (<code>graphql-transport-ws</code>).</span></li>
<li><a href="/readyz">Readiness</a><span><code>/healthz</code> and <code>/readyz</code>.</span></li>
</ul>
</main>
</body>
</html>
`;

const EXPLORER_ITEM =
  '<li><a href="/explorer">Explorer</a><span>GraphiQL for this gateway: the schema, queries, mutations and subscriptions. ' +
  'Put a JWT in its Authorization header, or open <code>/explorer#token=&lt;JWT&gt;</code>.</span></li>\n';

const notBuiltHtml = (page: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Page not built</title></head>
<body><p>The ${page} is not built: run <code>npm run build</code> (it bundles web/${page} into dist/web/${page}).</p></body></html>
`;

function homePage(explorer: boolean): StaticFile {
  const home = file(Buffer.from(HOME_HTML.replace('%EXPLORER%', explorer ? EXPLORER_ITEM : '')), '.html', PAGE_CACHE, true);
  home.styleSources = `'sha256-${createHash('sha256').update(HOME_STYLE).digest('base64')}'`;
  return home;
}

/**
 * A built page (dist/web/<name>): index.html at /<name> and the files of assets/ at
 * /<name>/assets/<file>; undefined when it was not built. Read once per folder and process (the
 * explorer's bundle is megabytes; every gateway started in one process shares it).
 */
const builtPages = new Map<string, Map<string, StaticFile> | undefined>();

function pageFiles(dir: string, urlPath: string): Map<string, StaticFile> | undefined {
  if (builtPages.has(dir)) return builtPages.get(dir);
  let files: Map<string, StaticFile> | undefined;
  if (existsSync(join(dir, 'index.html'))) {
    files = new Map<string, StaticFile>();
    files.set(urlPath, file(readFileSync(join(dir, 'index.html')), '.html', PAGE_CACHE, true));
    const assets = join(dir, 'assets');
    if (existsSync(assets)) {
      for (const entry of readdirSync(assets, { withFileTypes: true })) {
        if (!entry.isFile()) continue;
        files.set(`${urlPath}/assets/${entry.name}`, file(readFileSync(join(assets, entry.name)), extname(entry.name), ASSET_CACHE, false));
      }
    }
  }
  builtPages.set(dir, files);
  return files;
}

/** ws: and wss: of the Host the page was asked for (a Host that is not a plain host[:port] adds nothing). */
const PLAIN_HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

function contentSecurityPolicy(req: IncomingMessage, styleSources = '', editor = false): string {
  const host = req.headers.host;
  const sockets = host && PLAIN_HOST.test(host) ? ` ws://${host} wss://${host}` : '';
  // Monaco (the explorer's editor) sets style attributes and style elements, and GraphiQL's icon fonts are data: URLs.
  const styles = editor ? " 'unsafe-inline'" : styleSources ? ` ${styleSources}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    ...(editor ? ["worker-src 'self'"] : []),
    `style-src 'self'${styles}`,
    "img-src 'self' data:",
    `font-src 'self'${editor ? ' data:' : ''}`,
    `connect-src 'self'${sockets}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The path of a request target (origin-form, or the path of an absolute-form one), undefined when unreadable. */
function pathOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  if (url.charCodeAt(0) === 47 /* / */) {
    const end = url.search(/[?#]/);
    return end < 0 ? url : url.slice(0, end);
  }
  try {
    return new URL(url).pathname;
  } catch {
    return undefined;
  }
}

async function sendFile(req: IncomingMessage, res: ServerResponse, f: StaticFile, compressFrom: number): Promise<void> {
  res.setHeader('Content-Type', f.type);
  res.setHeader('Cache-Control', f.cacheControl);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  const compress = f.encoded !== undefined && f.body.length >= compressFrom;
  if (compress) addVary(res);
  if (f.page) {
    res.setHeader('Content-Security-Policy', contentSecurityPolicy(req, f.styleSources, f.editor));
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  }
  const encoding = compress ? chooseEncoding(req) : undefined;
  // Each encoding is its own representation, with its own entity tag.
  const etag = encoding ? `${f.etag.slice(0, -1)}-${encoding}"` : f.etag;
  res.setHeader('ETag', etag);
  const match = req.headers['if-none-match'];
  if (match && match.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
    res.writeHead(304);
    res.end();
    return;
  }
  const body = encoding ? await encodedBody(f, encoding) : f.body;
  if (encoding) res.setHeader('Content-Encoding', encoding);
  res.setHeader('Content-Length', body.length);
  res.writeHead(200);
  res.end(req.method === 'HEAD' ? undefined : body);
}

function plain(req: IncomingMessage, res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  const body = Buffer.from(`${text}\n`);
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** A built page's files, or its "not built" page. */
interface Page {
  path: string;
  files: Map<string, StaticFile> | undefined;
  notBuilt: StaticFile;
}

function page(webDir: string, name: string): Page {
  const path = `/${name}`;
  return { path, files: pageFiles(join(webDir, name), path), notBuilt: file(Buffer.from(notBuiltHtml(name)), '.html', 'no-store', true) };
}

/** The file a path names on a page: its index.html (with or without a trailing slash), an asset, or undefined (404). */
function lookup(p: Page, path: string): StaticFile | undefined {
  if (path === p.path || path === `${p.path}/`) return p.files?.get(p.path) ?? p.notBuilt;
  return p.files?.get(path);
}

/**
 * The handler of `/`, `/wallboard` (and `/wallboard/`), `/wallboard/assets/*`, and the same under
 * `/explorer` when it is on: true when it answered. Other methods than GET and HEAD on these paths
 * get 405; an unknown file under them gets 404.
 */
export function staticPages(options: StaticPagesOptions = {}): PageHandler {
  const explorerOn = options.explorer ?? false;
  const compressFrom = options.compressFrom ?? 1024;
  const home = homePage(explorerOn);
  const webDir = options.webDir ?? defaultWebDir();
  const pages = [page(webDir, 'wallboard'), ...(explorerOn ? [page(webDir, 'explorer')] : [])];
  const explorerPage = pages[1]?.files?.get(EXPLORER);
  if (explorerPage) explorerPage.editor = true;
  const notBuilt = new Set(pages.map((p) => p.notBuilt));

  return (req, res) => {
    const url = req.url;
    // Most requests (/graphql, /hooks/…) are told apart by their second character, without parsing.
    if (url?.charCodeAt(0) === 47 /* / */ && url.length > 1 && !'we?#'.includes(url[1])) return false;
    const path = pathOf(url);
    if (path === undefined) return false;
    let found: StaticFile | undefined;
    if (path === '/') found = home;
    else {
      const p = pages.find((candidate) => path === candidate.path || path.startsWith(`${candidate.path}/`));
      if (!p) return false;
      found = lookup(p, path);
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') {
      plain(req, res, 405, 'Method not allowed: GET or HEAD.', { Allow: 'GET, HEAD' });
      return true;
    }
    if (!found) {
      plain(req, res, 404, 'Not found.');
      return true;
    }
    if (notBuilt.has(found)) {
      res.statusCode = 503;
      res.setHeader('Content-Type', found.type);
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Content-Security-Policy', contentSecurityPolicy(req));
      res.end(req.method === 'HEAD' ? undefined : found.body);
      return true;
    }
    sendFile(req, res, found, compressFrom).catch(() => res.destroy());
    return true;
  };
}
