/**
 * User-data through a whole boot of the built `stratus`: a MIME multipart
 * user-data with a script, a cloud-config, a gzip part, a jinja template and
 * an #include served over HTTP by a server inside a network namespace of
 * its own, with the four stages run in that namespace (the include is
 * fetched in the network stage);
 * and a user-data whose one part is broken YAML, which degrades the boot
 * without stopping the other parts.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { buildCli, type Cli } from '../cli/cli.ts';
import { requireTools, runSandboxed, TOOLS } from '../net/validators/sandbox.ts';
import { boot, describeRuns, seedDir, targetRoot, type TargetRoot } from './harness.ts';
import { assertNoSecretLeaks } from './secrets-scan.ts';

let cli: Cli;
const base = 'http://127.0.0.1:8642';

before(() => {
  cli = buildCli();
});
after(() => cli?.dispose());

/** The include server, run inside the sandbox's network namespace; it logs each request path to a file. */
const SERVER = `
const http = require('node:http');
const fs = require('node:fs');
const [log, portFile] = process.argv.slice(1);
const body = '#cloud-config\\nmerge_how: "dict(no_replace,recurse_list)+list(append)+str()"\\nwrite_files:\\n  - path: /etc/stratus-included.txt\\n    content: "from the include\\\\n"\\n';
const server = http.createServer((req, res) => {
  fs.appendFileSync(log, req.url + '\\n');
  if (req.url === '/include.yaml') res.end(body);
  else { res.statusCode = 404; res.end(); }
});
server.listen(8642, '127.0.0.1', () => fs.writeFileSync(portFile, 'ready'));
`;

/** In fresh namespaces: loopback up, the include server started, then the four stages. */
const BOOT_IN_NAMESPACE = `
root="$1"; node="$2"; bundle="$3"; work="$4"
ip link set lo up
"$node" -e "$(cat "$work/server.js")" "$work/requests.log" "$work/ready" &
for i in $(seq 100); do [ -f "$work/ready" ] && break; sleep 0.05; done
for stage in "init --local" "init" "modules --mode=config" "modules --mode=final"; do
  "$node" "$bundle" --root "$root" $stage 2>>"$work/stderr.log"; echo "$stage: $?" >>"$work/codes.log"
done
`;

async function bootInNamespace(root: TargetRoot): Promise<{ codes: string[]; requests: string[]; stderr: string }> {
  requireTools(TOOLS.ip, TOOLS.unshare);
  const work = cli.tempDir('ns');
  writeFileSync(join(work, 'server.js'), SERVER);
  const r = await runSandboxed(BOOT_IN_NAMESPACE, [root.dir, process.execPath, cli.bundle, work], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  const read = (f: string) => (existsSync(join(work, f)) ? readFileSync(join(work, f), 'utf8') : '');
  await assertNoSecretLeaks(root, [{ stage: 'the four stages', stdout: r.stdout, stderr: read('stderr.log') }]);
  return { codes: read('codes.log').trim().split('\n'), requests: read('requests.log').trim().split('\n').filter(Boolean), stderr: read('stderr.log') };
}

const META = 'instance-id: iid-ud-1\nlocal-hostname: ud-host\n';
const NETWORK_CONFIG = 'version: 2\nethernets:\n  nic0:\n    match: {macaddress: "52:54:00:12:34:56"}\n    set-name: eth0\n    dhcp4: true\n';

function mime(parts: { type: string; body: string; headers?: string[] }[]): string {
  const b = 'STRATUS-E2E';
  const out = [`Content-Type: multipart/mixed; boundary="${b}"`, 'MIME-Version: 1.0', ''];
  for (const p of parts) out.push(`--${b}`, `Content-Type: ${p.type}`, ...(p.headers ?? []), '', p.body);
  out.push(`--${b}--`, '');
  return out.join('\n');
}

async function status(root: TargetRoot): Promise<{ code: number | null; json: Record<string, unknown> }> {
  const r = await cli.run(['--root', root.dir, 'status', '--format', 'json']);
  return { code: r.status, json: JSON.parse(r.stdout) as Record<string, unknown> };
}

describe('a MIME user-data with every kind of part', () => {
  let root: TargetRoot;
  let runs: Awaited<ReturnType<typeof bootInNamespace>>;
  const idir = '/var/lib/cloud/instances/iid-ud-1';
  before(async () => {
    root = targetRoot(cli);
    // The built-in init module list is short; write_files shows the merged parts on the target.
    root.write('/etc/cloud/cloud.cfg.d/90-e2e.cfg', 'cloud_init_modules: [write_files, set_hostname, update_hostname]\n');
    const gz = gzipSync(Buffer.from('#cloud-config\nwrite_files:\n  - path: /etc/stratus-gz.txt\n    content: "from the gzip part\\n"\n')).toString('base64');
    seedDir(root, {
      'meta-data': META,
      'network-config': NETWORK_CONFIG,
      'user-data': mime([
        { type: 'text/x-shellscript', body: '#!/bin/sh\necho hello from user-data\n', headers: ['Content-Disposition: attachment; filename="hello.sh"'] },
        { type: 'text/cloud-config', body: '#cloud-config\nruncmd:\n  - echo from-cloud-config\n' },
        { type: 'application/gzip', body: gz, headers: ['Content-Transfer-Encoding: base64'] },
        { type: 'text/jinja2', body: '## template: jinja\n#cloud-config\nhostname: {{ v1.local_hostname }}-x\n' },
        { type: 'text/x-include-url', body: `#include\n${base}/include.yaml\n` },
        { type: 'text/cloud-boothook', body: '#cloud-boothook\n#!/bin/sh\necho boothook\n' },
      ]),
      'vendor-data': '#cloud-config\nruncmd: [from-vendor]\n',
    });
    runs = await bootInNamespace(root);
  });

  test('every stage exits 0 and the status is healthy', async () => {
    assert.deepEqual(runs.codes, ['init --local: 0', 'init: 0', 'modules --mode=config: 0', 'modules --mode=final: 0'], runs.stderr);
    const { code, json } = await status(root);
    assert.equal(code, 0, JSON.stringify(json));
    assert.equal(json['extended_status'], 'done');
  });

  test('the include was fetched in the network stage', () => {
    assert.deepEqual(runs.requests, ['/include.yaml']);
  });

  test('the jinja part set the hostname from instance data', () => {
    assert.equal(root.read('/etc/hostname'), 'ud-host-x\n');
  });

  test('the gzip part and the include were merged (lists appended by the include\'s merge_how)', () => {
    assert.equal(root.read('/etc/stratus-gz.txt'), 'from the gzip part\n');
    assert.equal(root.read('/etc/stratus-included.txt'), 'from the include\n');
    const text = root.read(`${idir}/cloud-config.txt`);
    assert.match(text, /^#cloud-config\n\n# from 4 files\n# part-002\n# part-003\n# part-005\n# part-007\n/);
    const cfg = JSON.parse(text.slice(text.indexOf('{'))) as Record<string, unknown>;
    assert.deepEqual(cfg['runcmd'], ['echo from-cloud-config']);
    assert.equal(cfg['hostname'], 'ud-host-x');
    assert.deepEqual((cfg['write_files'] as { path: string }[]).map((f) => f.path), ['/etc/stratus-gz.txt', '/etc/stratus-included.txt']);
    assert.equal(root.mode(`${idir}/cloud-config.txt`), 0o600);
  });

  test('the script is in the instance scripts dir, 0700; user-data.txt.i is 0600 MIME', () => {
    assert.equal(root.read(`${idir}/scripts/hello.sh`), '#!/bin/sh\necho hello from user-data\n');
    assert.equal(root.mode(`${idir}/scripts/hello.sh`), 0o700);
    assert.match(root.read(`${idir}/user-data.txt.i`), /^Content-Type: multipart\/mixed; boundary="[^"]+"\nMIME-Version: 1.0\nNumber-Attachments: 6\n/);
    assert.equal(root.mode(`${idir}/user-data.txt.i`), 0o600);
  });

  test('the boothook is stored 0700 and handed to the command runner (not run: the target is not /)', () => {
    assert.equal(root.read(`${idir}/boothooks/part-008`), '#!/bin/sh\necho boothook\n');
    assert.equal(root.mode(`${idir}/boothooks/part-008`), 0o700);
    assert.match(root.read('/var/log/cloud-init.log'), /boothook \/var\/lib\/cloud\/instances\/iid-ud-1\/boothooks\/part-008: not run \(the target is /);
  });

  test('vendor-data is consumed into vendor-cloud-config.txt; the user config wins', () => {
    assert.match(root.read(`${idir}/vendor-cloud-config.txt`), /"from-vendor"/);
    const full = root.json('/run/cloud-init/instance-data-sensitive.json');
    assert.deepEqual((full['combined_cloud_config'] as Record<string, unknown>)['runcmd'], ['echo from-cloud-config']);
  });

  test('the log summarises the parts without their content', () => {
    const log = root.read('/var/log/cloud-init.log');
    assert.match(log, /user-data: 8 part\(s\) \[1:text\/x-shellscript\("hello.sh"\)→script, 2:text\/cloud-config→cloud-config, 3:text\/cloud-config→cloud-config, 4:text\/jinja2→template, 5:text\/cloud-config→cloud-config, 6:text\/x-include-url→include, 7:text\/cloud-config→cloud-config, 8:text\/cloud-boothook→boothook\]; 4 cloud-config, 1 script\(s\), 1 boothook\(s\), 1 include\(s\), 0 warning\(s\)/);
    assert.doesNotMatch(log, /hello from user-data|from the gzip part/);
  });
});

describe('a MIME user-data with one broken part', () => {
  test('a located warning, the other parts still processed, vendor-data off as the user asked, status degraded (exit 2)', async () => {
    const root = targetRoot(cli);
    seedDir(root, {
      'meta-data': META,
      'network-config': NETWORK_CONFIG,
      'user-data': mime([
        { type: 'text/cloud-config', body: '#cloud-config\nhostname: good-part\nvendor_data: {enabled: false}\n' },
        { type: 'text/cloud-config', body: '#cloud-config\nruncmd: [unclosed\n', headers: ['Content-Disposition: attachment; filename="broken.yaml"'] },
        { type: 'text/x-shellscript', body: '#!/bin/sh\necho still here\n' },
      ]),
      'vendor-data': '#cloud-config\nruncmd: [from-vendor]\n',
    });
    const runs = await boot(cli, root);
    assert.deepEqual(runs.map((r) => r.status), [0, 0, 0, 0], describeRuns(runs));
    assert.equal(root.read('/etc/hostname'), 'good-part\n');
    assert.ok(root.exists('/var/lib/cloud/instances/iid-ud-1/scripts/part-003'));
    // The user turned vendor-data off.
    assert.equal(root.read('/var/lib/cloud/instances/iid-ud-1/vendor-cloud-config.txt'), '');
    const log = root.read('/var/log/cloud-init.log');
    assert.match(log, /WARNING.*user-data part 2 \(text\/cloud-config, file "broken.yaml"\) line 2 column 9: not valid YAML: .*\(this part is ignored\)/);
    const { code, json } = await status(root);
    assert.equal(code, 2);
    assert.equal(json['extended_status'], 'degraded done');
  });
});
