// Bundles the TypeScript sources into dist/ with esbuild (about 0.2 s), so that `npx vmlab`
// runs without a separate build step: `npm install` runs this as `prepare`, and bin/vmlab.js
// runs it again when a source file is newer than the bundle. Types are checked by `npm run
// typecheck` (tsc), not here.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url))); // bin/ -> the package
const candidates = {
  vmlab: 'src/cli/main.ts',
  'sweep-worker': 'src/study/sweep-worker.ts',
  'bench-suite': 'bench/suite.ts',
};
const entryPoints = Object.fromEntries(
  Object.entries(candidates).filter(([, file]) => existsSync(path.join(root, file))).map(([k, f]) => [k, path.join(root, f)]),
);

await build({
  entryPoints,
  outdir: path.join(root, 'dist'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  loader: { '.ohm': 'text' },
  sourcemap: 'linked',
  logLevel: 'warning',
});
