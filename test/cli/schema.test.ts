/**
 * `stratus schema` as a user runs it: exit codes (0 valid, also with only
 * deprecations or warnings; 1 invalid; 2 usage), the separate sections with
 * line and column, --annotate, network-config through the network parser,
 * and --system over a target root.
 *
 * The verb runs as a bundle of test/cli/schema-driver.ts (built once here
 * with esbuild, as scripts/build.mjs builds stratus), so the test does not
 * depend on main.ts's verb table.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { build } from 'esbuild';
import { cacheText, newCache } from '../../src/stages/instance-cache.ts';
import { instance } from '../modules/harness.ts';
import { REPO, type CliResult } from './cli.ts';

let dir: string;
let bundle: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stratus-schema-test-'));
  bundle = join(dir, 'schema.cjs');
  await build({
    entryPoints: [join(REPO, 'test/cli/schema-driver.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node18',
    format: 'cjs',
    logLevel: 'error',
    logOverride: { 'empty-import-meta': 'silent' },
  });
});
after(() => rmSync(dir, { recursive: true, force: true }));

function run(args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bundle, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

let n = 0;
function file(text: string, name = `user-data-${++n}`): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('cloud-config', () => {
  test('a valid config: exit 0, one line', async () => {
    const f = file('#cloud-config\nhostname: web-1\nfqdn: web-1.example.org\nfinal_message: done\n');
    const r = await run(['schema', '-c', f]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `Valid schema cloud-config ${f}\n`);
    assert.equal(r.stderr, '');
  });

  test('an invalid config: exit 1, errors with line, column and path', async () => {
    const f = file('#cloud-config\nhostname: 7\nfqdn: ok.example.org\nprefer_fqdn_over_hostname: maybe\n');
    const r = await run(['schema', '--config-file', f]);
    assert.equal(r.status, 1);
    assert.equal(
      r.stdout,
      `Invalid schema cloud-config ${f}
Errors (2):
  line 2, column 11: hostname: must be a string, not 7
  line 4, column 28: prefer_fqdn_over_hostname: must be true or false, not "maybe"
`,
    );
  });

  test('deprecations and unknown keys alone: exit 0, each in its own section', async () => {
    const f = file('#cloud-config\nvendor_data2: {enabled: "true"}\nhostnme: x\n');
    const r = await run(['schema', '-c', f]);
    assert.equal(r.status, 0, r.stdout);
    assert.equal(
      r.stdout,
      `Valid schema cloud-config ${f}
Deprecations (1):
  line 2, column 25: vendor_data2.enabled: deprecated since 22.3: Use a boolean value instead.
Warnings (1):
  line 3, column 10: hostnme: unknown key (did you mean "hostname"?); ignored
`,
    );
  });

  test('--annotate: the text with markers and a legend', async () => {
    const f = file('#cloud-config\nhostname: 7\nvendor_data2: {enabled: "true"}\nhostnme: x\nfinal_message: [a]\n');
    const r = await run(['schema', '-c', f, '--annotate']);
    assert.equal(r.status, 1);
    assert.equal(
      r.stdout,
      `#cloud-config
hostname: 7\t\t# E1
vendor_data2: {enabled: "true"}\t\t# D1
hostnme: x\t\t# W1
final_message: [a]\t\t# E2

# Errors: -------------
# E1: hostname: must be a string, not 7
# E2: final_message: must be a string, not a list
# Deprecations: -------------
# D1: vendor_data2.enabled: deprecated since 22.3: Use a boolean value instead.
# Warnings: -------------
# W1: hostnme: unknown key (did you mean "hostname"?); ignored

Invalid schema cloud-config ${f}
`,
    );
  });

  test('user data without the #cloud-config header is not cloud-config: exit 1', async () => {
    const f = file('hostname: web-1\n');
    const r = await run(['schema', '-c', f]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /line 1, column 1: must begin with "#cloud-config"/);
    const archive = await run(['schema', '-c', file('#cloud-config-archive\n- content: "#cloud-config"\n')]);
    assert.equal(archive.status, 1);
    assert.match(archive.stdout, /line 1, column 1: is a cloud-config archive, not a cloud-config/);
  });

  test('a cloud.cfg file (*.cfg) needs no header', async () => {
    const f = file('datasource_list: [NoCloud, None]\nhostname: a\n', '90-local.cfg');
    const r = await run(['schema', '-c', f]);
    assert.equal(r.status, 0, r.stdout);
  });

  test('YAML that does not parse: exit 1 with the place', async () => {
    const f = file('#cloud-config\nhostname: [a\n');
    const r = await run(['schema', '-c', f]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^Invalid schema cloud-config .*\nErrors \(1\):\n {2}line \d+, column \d+: not valid YAML: /);
  });

  test('a file that cannot be read: exit 1', async () => {
    const r = await run(['schema', '-c', join(dir, 'no-such-file')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot read .*no-such-file: no such file/);
  });
});

describe('network-config', () => {
  test('through the network parser: errors and warnings apart', async () => {
    const f = file('version: 2\nethernets:\n  eth0:\n    dhcp4: perhaps\n    addresses: [10.0.0.300/24]\n');
    const r = await run(['schema', '-c', f, '--schema-type', 'network-config']);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^Invalid schema network-config /);
    assert.match(r.stdout, /line 4, column 12: ethernets\.eth0\.dhcp4: must be true or false, not "perhaps"/);
    assert.match(r.stdout, /line 5, column 17: ethernets\.eth0\.addresses\[0\]: /);
  });

  test('a valid one (the shipped example): exit 0', async () => {
    const r = await run(['schema', '-c', join(REPO, 'examples/nocloud/network-config'), '-t', 'network-config']);
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /^Valid schema network-config /);
  });
});

describe('--system', () => {
  test('system config problems are placed in the file that gave the value; user data and the network config are checked too', async () => {
    const root = mkdtempSync(join(dir, 'root-'));
    const put = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    put('/etc/cloud/cloud.cfg', 'datasource_list: [NoCloud, None]\npreserve_hostname: false\n');
    put('/etc/cloud/cloud.cfg.d/50-site.cfg', '# site settings\nfinal_message: [oops]\n');
    put('/var/lib/cloud/instances/i-1/cloud-config.txt', '#cloud-config\n{\n "hostname": 7\n}\n');
    put('/var/lib/cloud/instances/i-1/vendor-cloud-config.txt', '');
    const networkConfig = { source: 'seed network-config', kind: 'yaml' as const, text: 'version: 2\nethernets:\n  eth0: {dhcp4: often}\n' };
    put('/var/lib/cloud/instances/i-1/stratus-instance.json', cacheText(newCache(instance({ instanceId: 'i-1', networkConfig }), 5, new Date())));
    symlinkSync('instances/i-1', join(root, 'var/lib/cloud/instance'));
    const r = await run(['--root', root, 'schema', '--system']);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(
      r.stdout,
      `Found data to check: system config, user-data, network-config

1. system config (/etc/cloud/cloud.cfg, /etc/cloud/cloud.cfg.d/50-site.cfg):
  Invalid
  Errors (1):
    /etc/cloud/cloud.cfg.d/50-site.cfg line 2, column 1: final_message: must be a string, not a list

2. user-data at /var/lib/cloud/instance/cloud-config.txt:
  Invalid
  Errors (1):
    line 3, column 14: hostname: must be a string, not 7

3. network-config from seed network-config:
  Invalid
  Errors (1):
    line 3, column 17: ethernets.eth0.dhcp4: must be true or false, not "often"
`,
    );
  });

  test('an empty root (builtin settings only): valid', async () => {
    const root = mkdtempSync(join(dir, 'empty-'));
    const r = await run(['--root', root, 'schema', '--system']);
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /1\. system config \(builtin settings only\):\n {2}Valid\n/);
  });
});

describe('usage: exit 2 with a message', () => {
  const cases: [string, string[], RegExp][] = [
    ['nothing to check', [], /give one of --config-file \(-c\) FILE or --system/],
    ['both a file and --system', ['-c', 'x', '--system'], /give one of --config-file/],
    ['an unknown schema type', ['-c', 'x', '-t', 'vendor-data'], /--schema-type "vendor-data" is not one of cloud-config, network-config/],
    ['--schema-type with --system', ['--system', '-t', 'network-config'], /--schema-type goes with --config-file/],
    ['--docs', ['--docs', 'all'], /--docs is not supported/],
    ['an unknown option', ['-c', 'x', '--strict'], /Unknown option '--strict'/],
  ];
  for (const [name, args, message] of cases) {
    test(name, async () => {
      const r = await run(['schema', ...args]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /usage: stratus schema/);
    });
  }

  test('--help: exit 0, the usage on stdout', async () => {
    const r = await run(['schema', '--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^usage: stratus schema/);
  });
});
