/**
 * A boot on "/" — where commands and scripts really run — inside a
 * throw-away sandbox (bench/sandbox.ts: new namespaces, the root an overlay
 * of this machine's / on a tmpfs, no network): bootcmd, runcmd and three
 * user scripts, the second of which fails. The failure is recorded in the
 * status with the script's name and exit code, the scripts after it still
 * run, and the boot ends (status error, exit 1).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runSandbox } from '../../bench/sandbox.ts';
import { REPO } from '../cli/cli.ts';
import { assertNoSecretsPrinted, userDataSecrets } from './secrets-scan.ts';

const dir = mkdtempSync(join(tmpdir(), 'stratus-real-root-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const script = (body: string) => `#!/bin/sh\n${body}\n`;
const USER_DATA = [
  'Content-Type: multipart/mixed; boundary="BOUNDARY"',
  'MIME-Version: 1.0',
  '',
  '--BOUNDARY',
  'Content-Type: text/cloud-config; charset="us-ascii"',
  '',
  '#cloud-config',
  'bootcmd:',
  '  - echo bootcmd-ran > /var/tmp/bootcmd',
  'runcmd:',
  '  - [sh, -c, "echo runcmd-ran > /var/tmp/runcmd"]',
  '--BOUNDARY',
  'Content-Type: text/x-shellscript; charset="us-ascii"',
  'Content-Disposition: attachment; filename="10-first.sh"',
  '',
  script('echo first > /var/tmp/first'),
  '--BOUNDARY',
  'Content-Type: text/x-shellscript; charset="us-ascii"',
  'Content-Disposition: attachment; filename="20-fails.sh"',
  '',
  script('exit 3'),
  '--BOUNDARY',
  'Content-Type: text/x-shellscript; charset="us-ascii"',
  'Content-Disposition: attachment; filename="30-last.sh"',
  '',
  script('echo last > /var/tmp/last'),
  '--BOUNDARY--',
  '',
].join('\n');

const CLOUD_CFG = `datasource_list: [NoCloud, None]
system_info: {distro: debian, network: {renderers: [netplan]}}
cloud_init_modules: [bootcmd, set_hostname]
cloud_config_modules: [runcmd]
cloud_final_modules: [scripts_user, final_message]
`;

test('scripts really run on /: a failing one is recorded, the later ones still run', async () => {
  const seed = join(dir, 'seed');
  mkdirSync(seed);
  writeFileSync(join(seed, 'meta-data'), 'instance-id: iid-real-root\nlocal-hostname: real-root\n');
  writeFileSync(join(seed, 'user-data'), USER_DATA);
  writeFileSync(join(dir, 'cloud.cfg'), CLOUD_CFG);
  const stratus = [process.execPath, join(REPO, 'dist/stratus.js')];
  const r = runSandbox({
    seedDir: seed,
    cloudCfg: join(dir, 'cloud.cfg'),
    keepDropIns: [],
    nic: { name: 'eth0', mac: '52:54:00:12:34:56' },
    hostname: 'sandbox',
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LANG=C.UTF-8'],
    prepare: [],
    processes: [
      { label: 'init-local', argv: [...stratus, 'init', '--local'] },
      { label: 'init', argv: [...stratus, 'init'] },
      { label: 'modules-config', argv: [...stratus, 'modules', '--mode=config'] },
      { label: 'modules-final', argv: [...stratus, 'modules', '--mode=final'] },
      { label: 'check', argv: ['/bin/sh', '-c', 'cat /var/tmp/bootcmd /var/tmp/runcmd /var/tmp/first /var/tmp/last >&2 && cat /etc/hostname >&2'] },
    ],
    afterwards: [],
    timeoutSeconds: 120,
    inspect: false,
  });
  const codes = r.samples.map((s) => [s.label, s.exitCode]);
  assert.deepEqual(codes, [['init-local', 0], ['init', 0], ['modules-config', 0], ['modules-final', 1], ['check', 0]], r.samples.map((s) => `${s.label}: ${s.stderr}`).join('\n'));
  assert.equal(r.samples[4]?.stderr, 'bootcmd-ran\nruncmd-ran\nfirst\nlast\nreal-root\n');
  const status = r.status as { v1: Record<string, { errors: string[] }> };
  const finalErrors = status.v1['modules-final']?.errors ?? [];
  assert.equal(finalErrors.length, 1, JSON.stringify(finalErrors));
  assert.match(finalErrors[0] ?? '', /^module scripts_user failed: scripts failed: \/var\/lib\/cloud\/instances\/iid-real-root\/scripts\/20-fails\.sh \(exit 3\)$/);
  assert.deepEqual((r.result as { v1: { errors: string[] } }).v1.errors, finalErrors);
  // The sandbox's root is gone after the run: what the stages printed (stderr; the sandbox keeps no stdout)
  // and the world-readable status and result they left are scanned for the user-data and its scripts.
  assertNoSecretsPrinted(
    [
      ...r.samples.slice(0, 4).map((s) => ({ label: `${s.label} stderr`, text: s.stderr })),
      { label: 'status.json', text: JSON.stringify(r.status) },
      { label: 'result.json', text: JSON.stringify(r.result) },
    ],
    await userDataSecrets(USER_DATA, 'user-data'),
  );
});
