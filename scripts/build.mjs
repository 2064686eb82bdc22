#!/usr/bin/env node
// Bundles src/cli/main.ts into one self-contained file, dist/stratus.js
// (or the path given as the first argument: tests build their own copy).
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';

const outfile = process.argv[2] ?? 'dist/stratus.js';
await build({
  entryPoints: ['src/cli/main.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'esm',
  // Bundled CommonJS dependencies (yaml) call require() for node built-ins,
  // which an ES module does not have: give the bundle one.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __stratusRequire } from 'node:module';\nconst require = __stratusRequire(import.meta.url);" },
  legalComments: 'none',
  minifySyntax: true,
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
