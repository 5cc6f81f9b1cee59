#!/usr/bin/env node
// Bundles the browser pages (npm run build, after tsc), which the gateway serves itself
// (src/http/static-pages.ts):
// - web/wallboard → dist/web/wallboard, GET /wallboard (preact, htm, graphql-ws's client, uPlot);
// - web/explorer → dist/web/explorer, GET /explorer (GraphiQL from the graphiql package, React,
//   @graphiql/toolkit's fetcher with graphql-ws for subscriptions, and Monaco's web workers, built
//   first as their own bundles, their URLs given to the page's script).
// esbuild bundles the TypeScript and its npm libraries and the CSS (fonts inlined or beside it);
// files under assets/ carry a hash of their content in their name (cached for good), index.html
// names them (never cached). Licence comments go to assets/*.LEGAL.txt, which no page loads. Nothing
// is built when the gateway runs, and nothing is loaded from elsewhere. Writes nothing to stdout on
// success (`npm run token` prints its token there).
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const verbose = process.argv.includes('--verbose');

const hashOf = (bytes) => createHash('sha256').update(bytes).digest('base64url').slice(0, 10).toUpperCase();

/** The esbuild options both pages share. */
const common = {
  absWorkingDir: root,
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  bundle: true,
  platform: 'browser',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  minify: true,
  sourcemap: 'linked',
  metafile: true,
  legalComments: 'external',
  tsconfig: join(root, 'web', 'tsconfig.json'),
  define: { 'process.env.NODE_ENV': '"production"' },
  loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file' },
  logLevel: 'warning',
};

/** Builds one page into a staging folder, then swaps it in, so a gateway starting meanwhile sees the old files or the new ones. */
async function buildPage(name, fill) {
  const source = join(root, 'web', name);
  const target = join(root, 'dist', 'web', name);
  const staging = join(root, 'dist', 'web', `.${name}-${process.pid}`);
  const assetsUrl = `/${name}/assets`; // the URL path the gateway serves the assets under
  const assetsDir = join(staging, 'assets');
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(assetsDir, { recursive: true });
  try {
    const url = (file) => `${assetsUrl}/${basename(file)}`;
    const outputs = [];
    const placeholders = await fill({ source, assetsDir, assetsUrl, url, outputs });
    let html = readFileSync(join(source, 'index.html'), 'utf8');
    for (const [key, value] of Object.entries(placeholders)) html = html.replace(`%${key}%`, value);
    if (/%[A-Z_]+%/.test(html)) throw new Error(`${name}/index.html: a placeholder was left: ${html.match(/%[A-Z_]+%/)[0]}`);
    writeFileSync(join(staging, 'index.html'), html);

    const old = `${target}.old-${process.pid}`;
    try {
      renameSync(target, old);
    } catch (err) {
      if (err.code !== 'ENOENT') throw err;
    }
    renameSync(staging, target);
    rmSync(old, { recursive: true, force: true });
    if (verbose) {
      for (const [file, o] of outputs) {
        const shown = relative(root, join(target, relative(staging, join(root, file))));
        process.stderr.write(`${shown}  ${(o.bytes / 1024).toFixed(1)} KiB\n`);
      }
    }
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}

/** Bundles an app entry with its stylesheet; returns the URLs of both. */
async function bundleApp(entry, { assetsDir, url, outputs }, extra = {}) {
  const result = await build({
    ...common,
    ...extra,
    define: { ...common.define, ...extra.define },
    entryPoints: { app: entry },
    outdir: assetsDir,
    format: 'esm',
  });
  const produced = Object.entries(result.metafile.outputs);
  outputs.push(...produced);
  const found = produced.find(([, o]) => o.entryPoint && o.entryPoint.endsWith(basename(entry)));
  if (!found) throw new Error(`esbuild produced no bundle for ${entry}`);
  const [js, meta] = found;
  if (!meta.cssBundle) throw new Error(`esbuild produced no stylesheet for ${entry}`);
  return { APP_JS: url(js), APP_CSS: url(meta.cssBundle) };
}

async function wallboard() {
  await buildPage('wallboard', async (page) => {
    const urls = await bundleApp(join(page.source, 'src', 'main.ts'), page);
    const icon = readFileSync(join(page.source, 'icon.svg'));
    const iconName = `icon-${hashOf(icon)}.svg`;
    copyFileSync(join(page.source, 'icon.svg'), join(page.assetsDir, iconName));
    return { ...urls, ICON: `${page.assetsUrl}/${iconName}` };
  });
}

/** Monaco's workers of GraphiQL's editors, by the label Monaco asks for. */
const WORKERS = {
  editor: 'monaco-editor/esm/vs/editor/editor.worker.js',
  json: 'monaco-editor/esm/vs/language/json/json.worker.js',
  graphql: 'monaco-graphql/esm/graphql.worker.js',
};

async function explorer() {
  await buildPage('explorer', async (page) => {
    const result = await build({
      ...common,
      entryPoints: Object.fromEntries(Object.entries(WORKERS).map(([label, path]) => [`${label}.worker`, require.resolve(path)])),
      outdir: page.assetsDir,
      format: 'iife', // classic workers: every browser the page targets starts them
    });
    const produced = Object.entries(result.metafile.outputs);
    page.outputs.push(...produced);
    const workers = {};
    for (const [label] of Object.entries(WORKERS)) {
      const [file] = produced.find(([f, o]) => o.entryPoint && basename(f).startsWith(`${label}.worker-`) && f.endsWith('.js')) ?? [];
      if (!file) throw new Error(`esbuild produced no ${label} worker`);
      workers[label] = page.url(file);
    }
    return bundleApp(join(page.source, 'src', 'main.ts'), page, { define: { __EXPLORER_WORKERS__: JSON.stringify(workers) } });
  });
}

Promise.all([wallboard(), explorer()]).catch((err) => {
  process.stderr.write(`build-web: ${err.message}\n`);
  process.exit(1);
});
