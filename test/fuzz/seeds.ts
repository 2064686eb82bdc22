/**
 * Where the real seed inputs are: the cloud-init conformance data
 * (../shared/conformance, see its README), the repository's own samples and
 * fixtures, and test/fuzz/seeds/ for formats nothing else has a file of.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FUZZ_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_DIR = join(FUZZ_DIR, '../..');
export const CONFORMANCE_DIR = join(REPO_DIR, '../shared/conformance');
export const OWN_SEEDS = join(FUZZ_DIR, 'seeds');

/** Every file under `dir` whose path matches `re`, sorted (so runs are reproducible); [] when `dir` is absent. */
export function filesUnder(dir: string, re: RegExp, limit = 10_000): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    if (out.length >= limit) return;
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (re.test(p) && out.length < limit) out.push(p);
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

export function readAll(paths: readonly string[]): Buffer[] {
  return paths.map((p) => readFileSync(p));
}

/** The MAC → name tables of the conformance cases, merged: NICs the fuzzed configs may name. */
export function conformanceMacs(): Map<string, string> {
  const macs = new Map<string, string>();
  for (const p of filesUnder(CONFORMANCE_DIR, /\/macs\.json$/)) {
    try {
      const table = JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;
      for (const [mac, name] of Object.entries(table)) if (typeof name === 'string') macs.set(mac.toLowerCase(), name);
    } catch {
      // A seed table that is not JSON only costs its MACs.
    }
  }
  return macs;
}
