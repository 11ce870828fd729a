#!/usr/bin/env node
// The `vmlab` command. Runs the esbuild bundle in dist/, rebuilding it first when it is missing
// or older than a source file (so a fresh clone and an edited tree both just work).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const bundle = path.join(root, 'dist', 'vmlab.js');

function newestIn(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestIn(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const src = path.join(root, 'src');
if (!existsSync(bundle) || (existsSync(src) && newestIn(src) > statSync(bundle).mtimeMs)) {
  await import('./build.mjs');
}
await import(new URL(`file://${bundle}`).href);
