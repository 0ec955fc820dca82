// Bundles src/ into dist/: index.html and content-hashed assets (dist/assets/*-HASH.js|css), so
// the server can let browsers cache /assets/ for good while index.html always names the newest.
import * as esbuild from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, 'assets'), { recursive: true });

const result = await esbuild.build({
  entryPoints: [join(here, 'src/main.tsx')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: join(dist, 'assets'),
  entryNames: '[name]-[hash]',
  chunkNames: 'chunk-[hash]',
  splitting: true,
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs);
const js = outputs.find((f) => /\/main-[^/]*\.js$/.test(f));
const css = outputs.find((f) => f.endsWith('.css'));
if (!js || !css) throw new Error('esbuild wrote no .js or no .css');
const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sluice</title>
<link rel="stylesheet" href="/assets/${basename(css)}">
<script type="module" src="/assets/${basename(js)}"></script>
</head>
<body><div id="app"></div></body>
</html>
`;
writeFileSync(join(dist, 'index.html'), html);
for (const [file, info] of Object.entries(result.metafile.outputs)) {
  console.log(`${file.replace(here + '/', '')}  ${(info.bytes / 1024).toFixed(1)} KiB`);
}
