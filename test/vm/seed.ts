// Seed media: a NoCloud (cidata) or config drive (config-2) ISO built with genisoimage
// from a directory tree given as data (relative path -> file content).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, isAbsolute } from 'node:path';
import { exec } from './exec.ts';

export type SeedKind = 'cidata' | 'config-2';

export interface SeedSpec {
  kind: SeedKind;
  /** relative path inside the medium -> content */
  files: Readonly<Record<string, string>>;
}

export async function buildSeedIso(seed: SeedSpec, out: string, log: string): Promise<void> {
  const tree = mkdtempSync(join(tmpdir(), 'stratus-seed-'));
  try {
    for (const [rel, content] of Object.entries(seed.files)) {
      const clean = normalize(rel);
      if (isAbsolute(clean) || clean.startsWith('..')) throw new Error(`bad seed path ${rel}`);
      const path = join(tree, clean);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
    }
    await exec('genisoimage', ['-quiet', '-volid', seed.kind, '-joliet', '-rock', '-output', out, tree], { log });
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
}
