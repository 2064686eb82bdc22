/**
 * `dpkg -i` and `dpkg --purge` of the package on a real Debian 12 root made
 * by debootstrap (minbase + nodejs, cached under ~/.cache/stratus-vm/), in
 * a private mount namespace over an overlay, so the cached root is never
 * changed. Checks: it installs (its dependencies met), its command runs in
 * the root with the code cache postinst made, and after the purge the file
 * list of the root is exactly what it was before (nothing left behind).
 *
 *   node --import tsx test/packaging/install-purge.ts [--deb FILE]
 *
 * Needs root, debootstrap and Debian's mirror. Exit status 0 when it passes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const MIRROR = 'http://deb.debian.org/debian';
const CACHE = join(process.env['STRATUS_VM_CACHE'] ?? join(homedir(), '.cache/stratus-vm'), 'pkgcheck');
/** Change this when the recipe changes: the cached root is rebuilt. */
const RECIPE = 'bookworm minbase + nodejs iproute2 v1';

function run(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input: opts.input, timeout: opts.timeoutMs ?? 600_000, maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${String(r.status)}${r.signal ? ` (${r.signal})` : ''}\n${r.stderr}${r.stdout.slice(-2000)}`);
  return r.stdout;
}

/** The cached root: built once (about 1–2 minutes), reused while RECIPE is the same. */
function baseRoot(): string {
  const root = join(CACHE, 'rootfs');
  const stamp = join(CACHE, 'recipe');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === RECIPE) return root;
  mkdirSync(CACHE, { recursive: true });
  const building = join(CACHE, `rootfs.building-${process.pid}`);
  rmSync(building, { recursive: true, force: true });
  console.error(`building the package-check root with debootstrap (${RECIPE}) …`);
  run('debootstrap', ['--variant=minbase', '--include=nodejs,iproute2', 'bookworm', building, MIRROR], { timeoutMs: 1_200_000 });
  // Nothing of the build machine goes along (debootstrap copies its resolv.conf).
  writeFileSync(join(building, 'etc/resolv.conf'), '');
  rmSync(join(building, 'var/cache/apt/archives'), { recursive: true, force: true });
  mkdirSync(join(building, 'var/cache/apt/archives/partial'), { recursive: true });
  rmSync(root, { recursive: true, force: true });
  renameSync(building, root);
  writeFileSync(stamp, RECIPE);
  return root;
}

const SCRIPT = fileURLToPath(new URL('./install-purge.sh', import.meta.url));

function sections(out: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  let cur: string[] | undefined;
  for (const line of out.split('\n')) {
    const m = /^@@ (\S+)$/.exec(line);
    if (m) map.set(m[1] as string, (cur = []));
    else cur?.push(line);
  }
  return map;
}

/** Paths dpkg itself keeps or rotates; their presence says nothing about the package. */
const DPKG_OWN = [/^. \.\/var\/lib\/dpkg\//, /^. \.\/var\/log\/dpkg\.log$/];

function main(): void {
  const args = process.argv.slice(2);
  const debArg = args.indexOf('--deb');
  const deb = debArg >= 0 ? (args[debArg + 1] ?? '') : run('sh', [join(REPO, 'scripts/build-deb.sh'), mkdtempSync(join(tmpdir(), 'stratus-deb-'))]).trim().split('\n').pop() ?? '';
  const base = baseRoot();
  const work = mkdtempSync(join(tmpdir(), 'stratus-pkgcheck-'));
  try {
    const out = run('unshare', ['--mount', '--fork', 'sh', SCRIPT, base, work, deb]);
    const s = sections(out);
    const problems: string[] = [];
    const lines = (k: string) => (s.get(k) ?? []).filter((l) => l !== '');
    if (!lines('version').some((l) => /^\d+\.\d+/.test(l) || /stratus/.test(l))) problems.push(`stratus --version in the root: ${lines('version').join(' | ')}`);
    if (!lines('cache').includes('present')) problems.push('postinst made no code cache');
    const keep = (l: string) => !DPKG_OWN.some((re) => re.test(l));
    const before = new Set(lines('before').filter(keep));
    const after = new Set(lines('after').filter(keep));
    const installed = lines('installed').filter(keep).filter((l) => !before.has(l));
    const left = [...after].filter((l) => !before.has(l));
    const gone = [...before].filter((l) => !after.has(l));
    if (installed.length < 20) problems.push(`only ${installed.length} new paths after dpkg -i: ${installed.join(', ')}`);
    if (left.length > 0) problems.push(`left behind after purge:\n  ${left.join('\n  ')}`);
    if (gone.length > 0) problems.push(`removed by install+purge although there before:\n  ${gone.join('\n  ')}`);
    console.log(`dpkg -i: ${installed.length} new paths; stratus --version: ${lines('version').join(' ')}; identify: ${lines('identify').join(' ')}`);
    console.log(`dpkg --purge: ${left.length} paths left behind, ${gone.length} removed that were there before`);
    if (problems.length > 0) {
      console.error(`FAIL\n${problems.join('\n')}\n--- install output ---\n${lines('install').join('\n')}\n--- purge output ---\n${lines('purge').join('\n')}`);
      process.exitCode = 1;
    } else console.log('PASS: the package installs, runs, and purges without a trace');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
