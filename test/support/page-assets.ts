import { request } from 'undici';

export interface FetchedAsset {
  url: string;
  status: number;
  type: string;
  body: string;
}

/**
 * The same-origin paths a page or stylesheet or script names (resolved against its own path):
 * in HTML and CSS src/href attributes, url() and @import; in scripts, quoted /…/assets/ paths. data: and other hosts are not
 * fetched (externalLoads names the latter).
 */
function localReferences(text: string, type: string, under: string, base: string): string[] {
  const found = new Set<string>();
  const script = type.includes('javascript');
  const add = (ref: string) => {
    if (/^(?:data:|https?:|blob:|#)/.test(ref)) return;
    found.add(new URL(ref, `http://gateway${base}`).pathname);
  };
  // A script's code builds markup and styles from variables: only the asset paths it names are read off it.
  if (!script) {
    for (const m of text.matchAll(/(?:src|href)="([^"]*)"/g)) add(m[1]);
    for (const m of text.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)) add(m[1]);
    for (const m of text.matchAll(/@import\s+["']([^"']+)["']/g)) add(m[1]);
  }
  for (const m of text.matchAll(new RegExp(`["'\`](${under.replace(/[/]/g, '\\/')}[A-Za-z0-9._-]+)["'\`]`, 'g'))) found.add(m[1]);
  return [...found];
}

/**
 * Fetches a page and, transitively, every same-origin file it names (scripts, stylesheets, their
 * url()s, worker scripts named by path under `assetsPath`), as a browser would load them.
 */
export async function fetchPageWithAssets(origin: string, path: string, assetsPath: string): Promise<FetchedAsset[]> {
  const seen = new Map<string, FetchedAsset>();
  const queue = [path];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (seen.has(next)) continue;
    const res = await request(`${origin}${next}`);
    const asset = { url: next, status: res.statusCode, type: String(res.headers['content-type'] ?? ''), body: await res.body.text() };
    seen.set(next, asset);
    if (/html|css|javascript/.test(asset.type))
      queue.push(...localReferences(asset.body, asset.type, assetsPath, next).filter((p) => !p.endsWith('.map')));
  }
  return [...seen.values()];
}

/**
 * What in a page's HTML, CSS or script would make a browser load something from another host: any
 * http(s) URL in HTML or CSS; in scripts, one given to something that loads it (import, a worker,
 * fetch, a src/href, a CSS url()), or a well-known CDN's host. Plain strings in scripts (XML
 * namespaces, links in error messages) load nothing and are not counted.
 */
export function externalLoads(asset: FetchedAsset): string[] {
  const urls = /https?:\/\/[^\s"'`)<>]+/g;
  if (/html|css/.test(asset.type)) return asset.body.match(urls) ?? [];
  const sinks =
    /(?:import\s*\(|importScripts\s*\(|new\s+(?:Shared)?Worker\s*\(|fetch\s*\(|\bsrc\s*=|\bhref\s*=|url\()\s*["'`]https?:\/\/[^"'`]+/g;
  const cdns =
    /https?:\/\/(?:[a-z0-9-]+\.)*(?:esm\.sh|unpkg\.com|jsdelivr\.net|cdnjs\.cloudflare\.com|googleapis\.com|gstatic\.com|apollographql\.com|embeddable-sandbox[^"'`]*)[^"'`]*/g;
  return [...(asset.body.match(sinks) ?? []), ...(asset.body.match(cdns) ?? [])];
}
