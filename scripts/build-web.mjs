#!/usr/bin/env node
// Bundles the browser pages (npm run build, after tsc): web/wallboard → dist/web/wallboard, which the
// gateway serves at GET /wallboard (src/http/static-pages.ts). esbuild bundles the TypeScript and its
// npm libraries (preact, htm, graphql-ws's client, uPlot) and the CSS; files under assets/ carry a hash
// of their content in their name (cached for good), index.html names them (never cached). Nothing is
// built when the gateway runs, and nothing is loaded from elsewhere. Writes nothing to stdout on success
// (`npm run token` prints its token there).
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'web', 'wallboard');
const target = join(root, 'dist', 'web', 'wallboard');
/** Built beside the target, then swapped in, so a gateway starting meanwhile sees the old files or the new ones. */
const staging = join(root, 'dist', 'web', `.wallboard-${process.pid}`);
/** The URL path the gateway serves the assets under (src/http/static-pages.ts). */
const ASSETS_URL = '/wallboard/assets';

const hashOf = (bytes) => createHash('sha256').update(bytes).digest('base64url').slice(0, 10).toUpperCase();

async function main() {
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, 'assets'), { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: { app: join(source, 'src', 'main.ts') },
    outdir: join(staging, 'assets'),
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    minify: true,
    sourcemap: 'linked',
    metafile: true,
    tsconfig: join(root, 'web', 'tsconfig.json'),
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });
  const outputs = Object.entries(result.metafile.outputs);
  const entry = outputs.find(([, o]) => o.entryPoint && o.entryPoint.endsWith('main.ts'));
  if (!entry) throw new Error('esbuild produced no app bundle');
  const [js, meta] = entry;
  if (!meta.cssBundle) throw new Error('esbuild produced no stylesheet');
  const url = (file) => `${ASSETS_URL}/${basename(file)}`;

  const icon = readFileSync(join(source, 'icon.svg'));
  const iconName = `icon-${hashOf(icon)}.svg`;
  copyFileSync(join(source, 'icon.svg'), join(staging, 'assets', iconName));

  const html = readFileSync(join(source, 'index.html'), 'utf8')
    .replace('%APP_JS%', url(js))
    .replace('%APP_CSS%', url(meta.cssBundle))
    .replace('%ICON%', `${ASSETS_URL}/${iconName}`);
  if (/%[A-Z_]+%/.test(html)) throw new Error(`index.html: a placeholder was left: ${html.match(/%[A-Z_]+%/)[0]}`);
  writeFileSync(join(staging, 'index.html'), html);

  const old = `${target}.old-${process.pid}`;
  try {
    renameSync(target, old);
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
  }
  renameSync(staging, target);
  rmSync(old, { recursive: true, force: true });
  if (process.argv.includes('--verbose')) {
    for (const [file, o] of outputs) {
      const shown = relative(root, join(target, relative(staging, join(root, file))));
      process.stderr.write(`${shown}  ${(o.bytes / 1024).toFixed(1)} KiB\n`);
    }
  }
}

main().catch((err) => {
  rmSync(staging, { recursive: true, force: true });
  process.stderr.write(`build-web: ${err.message}\n`);
  process.exit(1);
});
