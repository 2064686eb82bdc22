/**
 * Datasource and stage rows: the real built CLI boots a temporary target root
 * (init-local, then init: where the datasource is read, the network config
 * rendered and hostname, users and write_files applied) with a hostile seed,
 * and the row states what an operator would check — `stratus status`, the
 * files that are (or are not) on the target, that nothing appeared beside
 * the root, and the log line that names the problem.
 *
 * The boots of all rows are queued when the first row runs (two at a time),
 * and each row waits for its own.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildCli, type Cli } from '../../cli/cli.ts';
import { boot, seedDir, STAGES, targetRoot, type TargetRoot } from '../../e2e/harness.ts';
import type { Area, Outcome, Row } from './row.ts';

interface Scenario {
  /** NoCloud seed files (meta-data is required for the seed to count). */
  seed?: Record<string, string | Buffer>;
  /** An unpacked config drive under /var/lib/cloud/seed/config_drive. */
  drive?: Record<string, string>;
  cmdline?: string;
  dmiSerial?: string;
  cloudCfg?: string;
}

export interface Booted {
  root: TargetRoot;
  exits: (number | null)[];
  statusCode: number | null;
  status: Record<string, unknown>;
  /** The directory that holds the root: nothing may appear in it but the root. */
  beside: string[];
}

const MD = (extra = '') => `instance-id: iid-cat\nlocal-hostname: cat-host\n${extra}`;
const CC = (body: string) => `#cloud-config\n${body}`;
const NET = 'version: 2\nethernets:\n  eth0:\n    dhcp4: true\n';
const seed = (over: Record<string, string | Buffer>): Scenario => ({ seed: { 'meta-data': MD(), 'user-data': CC(''), 'network-config': NET, ...over } });
const UUID = '7d3c2a4e-1b7d-4c55-9e0a-2d8b7f1c9a02';
const drive = (meta: Record<string, unknown>, extra: Record<string, string> = {}): Scenario => ({
  drive: { 'openstack/latest/meta_data.json': JSON.stringify({ uuid: UUID, hostname: 'cd-host', ...meta }), 'openstack/content/0000': 'injected\n', ...extra },
  cloudCfg: 'datasource_list: [ ConfigDrive, None ]\n',
});

// --- what an operator checks
const hostnameNotSet = (b: Booted) => assert.equal(b.root.exists('/etc/hostname'), false, `/etc/hostname: ${b.root.exists('/etc/hostname') ? b.root.read('/etc/hostname') : ''}`);
const hostnameIs = (name: string) => (b: Booted) => assert.equal(b.root.read('/etc/hostname'), `${name}\n`);
const nothingBeside = (b: Booted) => assert.deepEqual(b.beside, [], 'files appeared beside the target root');
const noInstance = (b: Booted) => {
  assert.equal(b.root.exists('/var/lib/cloud/instance'), false, 'an instance link was made');
  const dirs = b.root.exists('/var/lib/cloud/instances') ? readdirSync(join(b.root.dir, 'var/lib/cloud/instances')) : [];
  assert.deepEqual(dirs, [], 'an instance directory was made');
  assert.equal(b.root.exists('/var/lib/cloud/stratus-instance.json'), false, 'the cache landed in /var/lib/cloud');
};
const statusError = (b: Booted) => {
  assert.equal(b.statusCode, 1, 'stratus status exit code');
  assert.equal(b.status['status'], 'error');
  assert.ok((b.status['errors'] as string[]).includes('No instance datasource found.'), JSON.stringify(b.status['errors']));
};
const degraded = (b: Booted) => assert.equal(b.statusCode, 2, `stratus status exit code (status ${String(b.status['extended_status'])})`);
const healthyInstance = (iid: string) => (b: Booted) => assert.equal(b.root.read('/var/lib/cloud/data/instance-id'), `${iid}\n`);
const filesUnder = (b: Booted, dir: string): string[] => {
  const base = join(b.root.dir, dir);
  const out: string[] = [];
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(base);
  return out;
};
const noneHolds = (dir: string, text: string) => (b: Booted) => {
  for (const f of filesUnder(b, dir)) assert.ok(!readFileSync(f, 'utf8').includes(text), `${f} holds ${JSON.stringify(text)}`);
};
const all = (...checks: ((b: Booted) => void)[]) => (b: Booted) => checks.forEach((c) => c(b));

/** 17 labels of 14 characters: 254 characters, one over the 253 a DNS name may have. */
const LONG_FQDN = Array.from({ length: 17 }, () => 'abcdefghijklmn').join('.');
const HOST = (name: string) => `hostname ${JSON.stringify(name)} is not a valid host name`;
const NOCLOUD_IID = (iid: string) => `datasource NoCloud failed: NoCloud meta-data (seed-dir (/var/lib/cloud/seed/nocloud)): instance-id ${JSON.stringify(iid)} cannot name an instance directory`;
const WF = (i: number) => `write_files[${i}]`;
/** gz+b64 of 80 MiB of zeros: 80 KB of text that would expand past any file limit. */
const GZIP_BOMB = gzipSync(Buffer.alloc(80 * 1024 * 1024)).toString('base64');

const rows: Row<Scenario, Booted>[] = [
  // --- hostnames
  { name: 'local-hostname "$(reboot)": not set, the log says why', input: seed({ 'meta-data': MD().replace('cat-host', '"$(reboot)"') }), expect: { accepted: all(hostnameNotSet, degraded, nothingBeside), warns: [HOST('$(reboot)')] } },
  { name: 'local-hostname with backticks', input: seed({ 'meta-data': MD().replace('cat-host', '"`id`"') }), expect: { accepted: all(hostnameNotSet, degraded), warns: [HOST('`id`')] } },
  { name: 'local-hostname with ";"', input: seed({ 'meta-data': MD().replace('cat-host', '"web;reboot"') }), expect: { accepted: hostnameNotSet, warns: [HOST('web;reboot')] } },
  { name: 'local-hostname with "|"', input: seed({ 'meta-data': MD().replace('cat-host', '"web|nc"') }), expect: { accepted: hostnameNotSet, warns: [HOST('web|nc')] } },
  { name: 'local-hostname with a newline', input: seed({ 'meta-data': MD().replace('cat-host', '"web\\n127.0.0.1 evil"') }), expect: { accepted: all(hostnameNotSet, noneHolds('/etc', 'evil')), warns: [HOST('web\n127')] } },
  { name: 'local-hostname with a space', input: seed({ 'meta-data': MD().replace('cat-host', '"web host"') }), expect: { accepted: hostnameNotSet, warns: [HOST('web host')] } },
  { name: 'local-hostname with a leading "-"', input: seed({ 'meta-data': MD().replace('cat-host', '"-rf"') }), expect: { accepted: hostnameNotSet, warns: [HOST('-rf')] } },
  { name: 'local-hostname label of 64 characters', input: seed({ 'meta-data': MD().replace('cat-host', `${'a'.repeat(64)}.example.com`) }), expect: { accepted: hostnameNotSet, warns: [HOST('a'.repeat(64))] } },
  { name: 'local-hostname of 63 characters is fine (the contrast)', input: seed({ 'meta-data': MD().replace('cat-host', 'a'.repeat(63)) }), expect: { accepted: all(hostnameIs('a'.repeat(63)), healthyInstance('iid-cat')) } },
  { name: 'fqdn of 254 characters with prefer_fqdn_over_hostname', input: seed({ 'user-data': CC(`fqdn: ${LONG_FQDN}\nprefer_fqdn_over_hostname: true\n`) }), expect: { accepted: hostnameNotSet, warns: [`hostname "${LONG_FQDN}" is not a valid host name`] } },
  { name: 'cloud-config hostname "$(id)" wins over a good one in meta-data and is refused: nothing set', input: seed({ 'user-data': CC('hostname: "$(id)"\n') }), expect: { accepted: hostnameNotSet, warns: [HOST('$(id)')] } },
  { name: 'cloud-config fqdn with a newline: its first label is the hostname, the rest reaches no file', input: seed({ 'user-data': CC('fqdn: "good.example.com\\nevil"\n') }), expect: { accepted: all(hostnameIs('good'), noneHolds('/etc', 'evil')) } },
  { name: 'hostname from the DMI serial (ds=nocloud;h=…) with $(…)', input: { seed: { 'meta-data': 'instance-id: iid-cat\n' }, dmiSerial: 'ds=nocloud;h=$(reboot)' }, expect: { accepted: hostnameNotSet, warns: [HOST('$(reboot)')] } },

  // --- instance ids
  { name: 'NoCloud instance-id "..": refused, no instance, status error', input: seed({ 'meta-data': MD().replace('iid-cat', '".."') }), expect: { accepted: all(noInstance, statusError, nothingBeside), errs: [NOCLOUD_IID('..')] } },
  { name: 'NoCloud instance-id "."', input: seed({ 'meta-data': MD().replace('iid-cat', '"."') }), expect: { accepted: all(noInstance, statusError), errs: [NOCLOUD_IID('.')] } },
  { name: 'NoCloud instance-id with "/"', input: seed({ 'meta-data': MD().replace('iid-cat', '"../../../tmp/x"') }), expect: { accepted: all(noInstance, statusError, nothingBeside), errs: [NOCLOUD_IID('../../../tmp/x')] } },
  { name: 'NoCloud instance-id with a newline', input: seed({ 'meta-data': MD().replace('iid-cat', '"a\\nb"') }), expect: { accepted: all(noInstance, statusError), errs: [NOCLOUD_IID('a\nb')] } },
  { name: 'NoCloud instance-id of blanks', input: seed({ 'meta-data': MD().replace('iid-cat', '"   "') }), expect: { accepted: all(noInstance, statusError), errs: [NOCLOUD_IID('   ')] } },
  { name: 'NoCloud instance-id from the kernel command line with ".."', input: { seed: { 'meta-data': 'local-hostname: h\n' }, cmdline: 'root=/dev/vda1 ds=nocloud;i=..' }, expect: { accepted: all(noInstance, statusError), errs: ['datasource NoCloud failed: NoCloud meta-data (kernel command line): instance-id ".." cannot name an instance directory'] } },
  { name: 'ConfigDrive uuid with "/"', input: drive({ uuid: '../x' }), expect: { accepted: all(noInstance, statusError), errs: ['config drive /var/lib/cloud/seed/config_drive cannot be used: /var/lib/cloud/seed/config_drive: openstack/latest/meta_data.json: uuid "../x" cannot name an instance directory'] } },

  // --- config-drive files
  { name: 'ConfigDrive files: relative path, NUL, trailing "/" and a good one: only the good one is written, 0600', input: drive({ files: [{ path: 'etc/rel.conf', content_path: '/content/0000' }, { path: '/etc/nul\u0000.conf', content_path: '/content/0000' }, { path: '/etc/dir/', content_path: '/content/0000' }, { path: '/etc/good.conf', content_path: '/content/0000' }] }), expect: { accepted: all(nothingBeside, (b) => { assert.equal(b.root.read('/etc/good.conf'), 'injected\n'); assert.equal(b.root.mode('/etc/good.conf'), 0o600); assert.equal(b.root.exists('/etc/rel.conf'), false); assert.equal(b.root.exists('/etc/dir'), false); assert.equal(b.root.exists('/etc/rel.conf'), false); }), errs: ['/var/lib/cloud/seed/config_drive: openstack/latest/meta_data.json: files[0]: path "etc/rel.conf"', '/var/lib/cloud/seed/config_drive: openstack/latest/meta_data.json: files[1]: path "/etc/nul\\u0000.conf"', '/var/lib/cloud/seed/config_drive: openstack/latest/meta_data.json: files[2]: path "/etc/dir/"'] } },
  { name: 'ConfigDrive files: a content_path that climbs out of the drive is not read', input: drive({ files: [{ path: '/etc/stolen', content_path: '/content/../../../../../../etc/hostname' }] }), expect: { accepted: all(nothingBeside, (b) => assert.equal(b.root.exists('/etc/stolen'), false)), errs: ['/var/lib/cloud/seed/config_drive: openstack/latest/meta_data.json: files[0]: content_path "/content/../../../../../../etc/hostname" would leave the openstack/ directory; skipped'] } },
  { name: 'ConfigDrive hostname with shell metacharacters', input: drive({ hostname: 'cd;reboot' }), expect: { accepted: hostnameNotSet, warns: [HOST('cd;reboot')] } },

  // --- network config through a boot
  { name: 'network-config search domain with CR/LF: refused, never rendered', input: seed({ 'network-config': 'version: 2\nethernets:\n  eth0:\n    dhcp4: true\n    nameservers:\n      search: ["ok.example\\r\\nnameserver 6.6.6.6"]\n' }), expect: { accepted: all(degraded, noneHolds('/etc', '6.6.6.6'), noneHolds('/run/systemd', '6.6.6.6')), errs: ['seed-dir (/var/lib/cloud/seed/nocloud) network-config line 6: ethernets.eth0.nameservers.search[0]: "ok.example\\r\\nnameserver 6.6.6.6" contains a line break'] } },
  { name: 'network-config bond parameter with a line break: refused, never rendered', input: seed({ 'network-config': 'version: 2\nethernets:\n  eth0: {}\nbonds:\n  bond0:\n    interfaces: [eth0]\n    parameters:\n      mode: "active-backup\\nDNS=6.6.6.6"\n' }), expect: { accepted: all(degraded, noneHolds('/etc', '6.6.6.6')), errs: ['seed-dir (/var/lib/cloud/seed/nocloud) network-config line 8: bonds.bond0.parameters.mode: "active-backup\\nDNS=6.6.6.6" contains a line break'] } },
  { name: 'network-config interface name with "/": refused, no file named after it', input: seed({ 'network-config': 'version: 1\nconfig:\n  - type: physical\n    name: "../../x"\n    subnets: [{type: dhcp}]\n' }), expect: { accepted: all(degraded, nothingBeside, (b) => assert.equal(filesUnder(b, '/etc').some((f) => f.includes('cloud-init-..')), false)), errs: ['seed-dir (/var/lib/cloud/seed/nocloud) network-config line 4: config[0].name: interface name "../../x" must not contain whitespace, "/" or ":"'] } },

  // --- write_files and users
  { name: 'write_files path climbing out with "..": skipped, nothing beside the root', input: seed({ 'user-data': CC('write_files:\n  - path: /../../../../catalogue-escape\n    content: x\n') }), expect: { accepted: all(nothingBeside, (b) => assert.ok(!existsSync(join(dirname(b.root.dir), 'catalogue-escape'))), (b) => assert.equal(b.root.exists('/catalogue-escape'), false)), warns: [`${WF(0)}: path "/../../../../catalogue-escape" may not contain ".." (it must stay inside the target); skipped`] } },
  { name: 'write_files bad base64: skipped, the next entry written', input: seed({ 'user-data': CC('write_files:\n  - path: /etc/bad.b64\n    encoding: b64\n    content: "!!!$$$"\n  - path: /etc/ok.txt\n    content: ok\n') }), expect: { accepted: all((b) => assert.equal(b.root.exists('/etc/bad.b64'), false), (b) => assert.equal(b.root.read('/etc/ok.txt'), 'ok')), warns: [`${WF(0)} (/etc/bad.b64): content is not valid base64; skipped`] } },
  { name: 'write_files gzip bomb: skipped', input: seed({ 'user-data': CC(`write_files:\n  - path: /etc/bomb\n    encoding: gz+b64\n    content: ${GZIP_BOMB}\n`) }), expect: { accepted: (b) => assert.equal(b.root.exists('/etc/bomb'), false), warns: [`${WF(0)} (/etc/bomb): decompressed content is larger than 33554432 bytes; skipped`] } },
  { name: 'write_files permissions "0999": not octal, skipped', input: seed({ 'user-data': CC('write_files:\n  - path: /etc/perm\n    content: x\n    permissions: "0999"\n') }), expect: { accepted: (b) => assert.equal(b.root.exists('/etc/perm'), false), warns: [`${WF(0)} (/etc/perm): permissions "0999" is not an octal mode like "0644"; skipped`] } },
  { name: 'write_files path with a NUL: skipped', input: seed({ 'user-data': CC('write_files:\n  - path: "/etc/a\\0b"\n    content: x\n') }), expect: { accepted: (b) => assert.equal(b.root.exists('/etc/a'), false), warns: [`${WF(0)}: path "/etc/a\\u0000b" contains a NUL, line break or other control character; skipped`] } },
  { name: 'users: names with shell text, "/" and a leading "-" are skipped', input: seed({ 'user-data': CC('users:\n  - name: "bob;reboot"\n  - name: "../../etc/x"\n  - name: "-rf"\n') }), expect: { accepted: all(nothingBeside, (b) => assert.equal(b.root.exists('/etc/sudoers.d/90-cloud-init-users'), false)), warns: ['users[0].name: "bob;reboot" is not a valid user name; user skipped', 'users[1].name: "../../etc/x" is not a valid user name; user skipped', 'users[2].name: "-rf" is not a valid user name; user skipped'] } },
  { name: 'users: a sudo rule with a newline is not written', input: seed({ 'user-data': CC('users:\n  - name: bob\n    sudo: "ALL=(ALL) ALL\\nevil ALL=(ALL) NOPASSWD:ALL"\n') }), expect: { accepted: noneHolds('/etc', 'evil ALL'), warns: ['users[0].sudo[0]: a sudo rule must be one non-empty line; ignored'] } },
];


const BUNDLE_FILES = new Set(['package.json', 'stratus.js', 'stratus.js.bundle', 'stratus.js.cache']);
let cli: Cli | undefined;
const booted = new Map<Scenario, Promise<Booted>>();

async function bootScenario(c: Cli, s: Scenario): Promise<Booted> {
  const root = targetRoot(c);
  if (s.seed) seedDir(root, s.seed);
  if (s.drive) for (const [p, content] of Object.entries(s.drive)) root.write(`/var/lib/cloud/seed/config_drive/${p}`, content, 0o600);
  if (s.cmdline) root.write('/proc/cmdline', `${s.cmdline}\n`);
  if (s.dmiSerial) root.write('/sys/class/dmi/id/product_serial', `${s.dmiSerial}\n`, 0o400);
  if (s.cloudCfg) root.write('/etc/cloud/cloud.cfg', s.cloudCfg);
  const runs = await boot(c, root, STAGES.slice(0, 2));
  const st = await c.run(['--root', root.dir, 'status', '--format', 'json']);
  // The CLI's own directory holds the bundle and one root-* directory per boot; anything else came from a boot.
  const beside = readdirSync(dirname(root.dir)).filter((n) => !n.startsWith('root-') && !BUNDLE_FILES.has(n));
  return { root, exits: runs.map((r) => r.status), statusCode: st.status, status: JSON.parse(st.stdout || '{}') as Record<string, unknown>, beside };
}

/** Every scenario queued at once, in two lanes (the machine has 2 cores); a row waits only for its own boot. */
function start(): void {
  if (cli) return;
  const c = (cli = buildCli());
  const lanes: Promise<unknown>[] = [Promise.resolve(), Promise.resolve()];
  rows.forEach((row, i) => {
    const lane = i % lanes.length;
    const p = (lanes[lane] as Promise<unknown>).then(() => bootScenario(c, row.input));
    lanes[lane] = p.catch(() => undefined);
    booted.set(row.input, p);
  });
}

function logLines(root: TargetRoot, level: 'ERROR' | 'WARNING'): string[] {
  const text = root.exists('/var/log/cloud-init.log') ? root.read('/var/log/cloud-init.log') : '';
  const tag = `][${level}]: `;
  return text.split('\n').filter((l) => l.includes(tag)).map((l) => l.slice(l.indexOf(tag) + tag.length));
}

export const stage: Area<Scenario, Booted> = {
  area: 'stage (CLI)',
  rows,
  async run(s): Promise<Outcome<Booted>> {
    start();
    const b = await (booted.get(s) as Promise<Booted>);
    // The log is what an operator reads: its ERROR and WARNING lines are the row's messages.
    return { errors: logLines(b.root, 'ERROR'), warnings: logLines(b.root, 'WARNING'), value: b };
  },
};

export function disposeStage(): void {
  cli?.dispose();
}
