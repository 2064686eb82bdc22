#!/usr/bin/env node
// The main job on the embedded default: render the NoCloud seed's
// network-config (examples/nocloud) for all five network stacks into a fresh
// sandbox root under the system temp dir (never the host's /etc), and show
// what was written.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const seed = process.argv[2] ?? 'examples/nocloud';
const root = mkdtempSync(join(tmpdir(), 'stratus-demo-'));
const kinds = [
  ['netplan', 'ubuntu'],
  ['networkd', 'debian'],
  ['network-manager', 'fedora'],
  ['sysconfig', 'rhel'],
  ['eni', 'debian'],
];
let failed = false;
for (const [kind, distro] of kinds) {
  const out = join(root, kind);
  const r = spawnSync(process.execPath, ['dist/stratus.js', 'net-convert', '-p', join(seed, 'network-config'), '-k', 'yaml', '-O', kind, '-D', distro, '-d', out], { encoding: 'utf8' });
  process.stdout.write(`\n### ${kind} (distro ${distro}) — exit ${r.status}\n`);
  if (r.stderr) process.stdout.write(r.stderr.replace(/^/gm, '  | '));
  if (r.status !== 0) {
    failed = true;
    continue;
  }
  const walk = (d) => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
  for (const f of walk(out).sort()) {
    const mode = (statSync(f).mode & 0o777).toString(8).padStart(4, '0');
    process.stdout.write(`\n--- /${relative(out, f)} (mode ${mode})\n${readFileSync(f, 'utf8')}`);
  }
}
process.stdout.write(`\nAll files are under ${root}\n`);
process.exit(failed ? 1 : 0);
