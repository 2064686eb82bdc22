#!/usr/bin/env node
// The main job on the embedded default: a simulated first boot of an
// instance from the NoCloud seed in examples/nocloud, into a fresh sandbox
// root under the project (demo-root/, never the host's /), with the four
// stages run as separate processes the way systemd runs them. Then a second
// boot of the same instance, restored from the cache.
//
// usage: node scripts/demo.mjs [SEED_DIR] [--renderer netplan|networkd|network-manager|sysconfig|eni] [--root DIR]
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const rIdx = args.indexOf('--renderer');
const renderer = rIdx >= 0 ? args.splice(rIdx, 2)[1] : 'netplan';
const rootIdx = args.indexOf('--root');
const root = resolve(rootIdx >= 0 ? args.splice(rootIdx, 2)[1] : 'demo-root');
const seed = args[0] ?? 'examples/nocloud';
const stratus = resolve('dist/stratus.js');

// What makes the sandbox look like an image using the chosen network stack.
const MARKERS = {
  netplan: 'usr/sbin/netplan',
  'network-manager': 'usr/sbin/NetworkManager',
  networkd: 'usr/lib/systemd/systemd-networkd',
  sysconfig: 'etc/sysconfig/network-scripts/network-functions',
  eni: 'sbin/ifup',
};
if (!MARKERS[renderer]) {
  console.error(`unknown renderer ${renderer}; one of ${Object.keys(MARKERS).join(', ')}`);
  process.exit(2);
}

rmSync(root, { recursive: true, force: true });
mkdirSync(join(root, 'var/lib/cloud/seed'), { recursive: true });
cpSync(seed, join(root, 'var/lib/cloud/seed/nocloud'), { recursive: true });
mkdirSync(join(root, MARKERS[renderer], '..'), { recursive: true });
writeFileSync(join(root, MARKERS[renderer]), '');
mkdirSync(join(root, 'etc'), { recursive: true });
writeFileSync(join(root, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n');

const STAGES = [
  ['init-local', ['init', '--local']],
  ['init', ['init']],
  ['modules-config', ['modules', '--mode=config']],
  ['modules-final', ['modules', '--mode=final']],
];

function stratusRun(argv) {
  return spawnSync(stratus, ['--root', root, ...argv], { encoding: 'utf8' });
}

function boot(title) {
  console.log(`\n=== ${title} ===`);
  const times = [];
  for (const [name, argv] of STAGES) {
    const t0 = process.hrtime.bigint();
    const r = stratusRun(argv);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    times.push([name, ms, r.status]);
    const msgs = r.stderr.split('\n').filter((l) => l && !l.includes(' running '));
    for (const l of msgs) console.log(`  ${name}: ${l}`);
  }
  console.log('\nper-stage wall time (each a separate process, as under systemd):');
  for (const [name, ms, code] of times) console.log(`  ${name.padEnd(15)} ${ms.toFixed(1).padStart(7)} ms   exit ${code}`);
  console.log(`  ${'total'.padEnd(15)} ${times.reduce((a, [, ms]) => a + ms, 0).toFixed(1).padStart(7)} ms`);
  return times.every(([, , code]) => code === 0);
}

function show(target, note = '') {
  const path = target.replace(/^\/+/, '');
  let text;
  try {
    text = readFileSync(join(root, path), 'utf8');
  } catch {
    console.log(`\n--- /${path}: (not written)`);
    return;
  }
  console.log(`\n--- /${path}${note}`);
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

let ok = boot(`first boot of ${seed} into ${root} (renderer: ${renderer})`);

console.log('\n$ stratus status --long');
const st = stratusRun(['status', '--long']);
process.stdout.write(st.stdout);
ok &&= st.status === 0;

const manifest = JSON.parse(readFileSync(join(root, 'var/lib/cloud/data/stratus-manifest.json'), 'utf8'));
for (const path of Object.keys(manifest.files)) show(path, ' (network config)');
show('etc/hostname');
console.log('\n$ stratus query v1');
process.stdout.write(stratusRun(['query', 'v1']).stdout);

// A reboot: /run is a fresh tmpfs; /var/lib/cloud keeps the instance.
rmSync(join(root, 'run'), { recursive: true, force: true });
ok &&= boot('second boot of the same instance');
const log = readFileSync(join(root, 'var/log/cloud-init.log'), 'utf8').split('\n');
const second = log.slice(log.findLastIndex((l) => l.includes("running 'init-local'")));
console.log('\nfrom the log of the second boot:');
for (const l of second.filter((l) => /restored|already|not re-|already in place/.test(l))) console.log(`  ${l}`);

console.log(`\nThe sandbox root is ${root}; run \`node dist/stratus.js --root ${root} status --long\` or \`... query --all\` to look around.`);
process.exit(ok ? 0 : 1);
