#!/usr/bin/env node
// Compiles the cloud-config schema: every config module's schema fragment
// (and the base keys) merged into src/config/schema/cloud-config.generated.ts,
// the one module the boot imports to validate user data, so a boot never
// loads every module file to learn its keys.
//
// The fragments live in TypeScript modules, so src/config/schema/collect.ts
// is bundled with esbuild into a temporary file and run here. The output is
// written only when it changed (a build on an up-to-date tree touches
// nothing). `--check` writes nothing and exits 1 when the file is stale
// (`npm test` runs it before building, so a stale committed file fails the tests).
// scripts/build.mjs runs this before bundling.
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function generateSchemaModule() {
  const result = await build({
    absWorkingDir: repo,
    entryPoints: ['src/config/schema/collect.ts'],
    write: false,
    bundle: true,
    platform: 'node',
    target: 'node18',
    format: 'esm',
    logLevel: 'warning',
  });
  const dir = mkdtempSync(join(tmpdir(), 'stratus-schema-'));
  try {
    const file = join(dir, 'collect.mjs');
    writeFileSync(file, result.outputFiles[0].text);
    const { collectSchema, renderGenerated, GENERATED_PATH } = await import(pathToFileURL(file).href);
    return { path: join(repo, GENERATED_PATH), text: renderGenerated(await collectSchema()) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes the generated module if it changed; returns true when it did. */
export async function writeSchemaModule() {
  const { path, text } = await generateSchemaModule();
  let old = null;
  try {
    old = readFileSync(path, 'utf8');
  } catch {}
  if (old === text) return false;
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--check')) {
    const { path, text } = await generateSchemaModule();
    let old = null;
    try {
      old = readFileSync(path, 'utf8');
    } catch {}
    if (old !== text) {
      process.stderr.write(`${path} is out of date: run node scripts/build-schema.mjs\n`);
      process.exit(1);
    }
  } else if (await writeSchemaModule()) {
    process.stderr.write('build-schema: regenerated src/config/schema/cloud-config.generated.ts\n');
  }
}
