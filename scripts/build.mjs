#!/usr/bin/env node
// Bundles src/cli/main.ts into one self-contained file, dist/stratus.js.
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/stratus.js',
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'esm',
  banner: { js: '#!/usr/bin/env node' },
  legalComments: 'none',
  minifySyntax: true,
  logLevel: 'warning',
});
chmodSync('dist/stratus.js', 0o755);
