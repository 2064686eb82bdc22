// Builds the stratus .deb with the project's scripts/build-deb.sh (last stdout line = its path).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CACHE_DIR, REPO_DIR, sha256File } from './paths.ts';

export interface Deb {
  path: string;
  sha256: string;
}

export async function buildDeb(): Promise<Deb> {
  const script = join(REPO_DIR, 'scripts', 'build-deb.sh');
  if (!existsSync(script)) throw new Error(`${script} does not exist yet: cannot build the stratus flavour`);
  const out = join(CACHE_DIR, 'deb');
  mkdirSync(out, { recursive: true });
  const r = spawnSync('bash', [script, out], { cwd: REPO_DIR, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = (r.stdout ?? '').trim().split('\n');
  const path = lines[lines.length - 1]?.trim() ?? '';
  if (r.status !== 0 || !path || !existsSync(path)) {
    throw new Error(`scripts/build-deb.sh failed (exit ${String(r.status)}), last stdout line ${JSON.stringify(path)}:\n${(r.stderr ?? '').slice(-2000)}`);
  }
  if (!/^stratus_.+_all\.deb$/.test(basename(path))) throw new Error(`unexpected .deb name ${path}`);
  return { path, sha256: await sha256File(path) };
}
