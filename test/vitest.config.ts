import { defineConfig } from 'vitest/config';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export default defineConfig({
  root: path.dirname(path.dirname(fileURLToPath(import.meta.url))),
  plugins: [
    {
      // The assembler imports its grammar as text, as esbuild's text loader does in the bundle.
      name: 'ohm-text',
      enforce: 'pre',
      load(id) {
        if (id.endsWith('.ohm')) return `export default ${JSON.stringify(readFileSync(id, 'utf8'))};`;
        return null;
      },
    },
  ],
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'threads',
  },
});
