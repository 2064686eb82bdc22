import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { CMDLINE_CC_SOURCE, loadSystemConfig } from '../../src/config/system.ts';
import { formatDiagnostic } from '../../src/text/diagnostics.ts';
import { tempRoot, type TempRoot } from './temp-root.ts';

const CFG = '/etc/cloud/cloud.cfg';
const CFG_D = '/etc/cloud/cloud.cfg.d';
const RUN = '/run/cloud-init/cloud.cfg';

describe('loadSystemConfig', () => {
  let root: TempRoot | undefined;
  const make = (files: Record<string, string>): TempRoot => (root = tempRoot(files));
  afterEach(() => {
    root?.dispose();
    root = undefined;
  });

  test('an empty root gives the builtin config and no sources', () => {
    const { config, sources, diagnostics } = loadSystemConfig(make({}).fs);
    assert.deepEqual(config['datasource_list'], ['NoCloud', 'ConfigDrive', 'OpenStack', 'Ec2', 'CloudStack', 'None']);
    assert.deepEqual(sources, []);
    assert.deepEqual(diagnostics, []);
  });

  // A key set in every layer: the highest layer present wins.
  const layers: [string, string][] = [
    ['--file', '/tmp/extra.cfg'],
    ['cmdline', '/proc/cmdline'],
    ['run', RUN],
    ['cfg.d', `${CFG_D}/90-x.cfg`],
    ['cloud.cfg', CFG],
  ];
  for (let top = 0; top < layers.length; top++) {
    const [name] = layers[top]!;
    test(`precedence: ${name} wins over the layers below it`, () => {
      const files: Record<string, string> = {};
      for (const [layer, path] of layers.slice(top)) {
        files[path] = layer === 'cmdline' ? `ro cc: who: ${layer} end_cc` : `who: ${layer}\n`;
      }
      const r = make(files);
      const { config, diagnostics } = loadSystemConfig(r.fs, { extraFiles: ['/tmp/extra.cfg'].filter((p) => p in files) });
      assert.deepEqual(diagnostics, []);
      assert.equal(config['who'], name);
    });
  }

  test('lists are not merged, nested mappings are, sources listed lowest first', () => {
    const r = make({
      [CFG]: 'datasource_list: [NoCloud, Ec2, None]\nsystem_info: {distro: debian, default_user: {name: debian}}\n',
      [`${CFG_D}/50-a.cfg`]: 'datasource_list: [Ec2]\nsystem_info: {default_user: {shell: /bin/zsh}}\n',
      [RUN]: 'datasource_list: [ NoCloud, None ]\n',
      '/proc/cmdline': 'ro\n',
    });
    const { config, sources } = loadSystemConfig(r.fs);
    assert.deepEqual(config['datasource_list'], ['NoCloud', 'None']);
    assert.deepEqual(config['system_info'], {
      distro: 'debian',
      default_user: { name: 'debian', shell: '/bin/zsh' },
      paths: { cloud_dir: '/var/lib/cloud', docs_dir: '/usr/share/doc/cloud-init/', templates_dir: '/etc/cloud/templates/' },
      network: { renderers: null },
    });
    assert.deepEqual(sources, [CFG, `${CFG_D}/50-a.cfg`, RUN]);
  });

  test('cloud.cfg.d: only regular .cfg files (or links to them), by name, the later winning', () => {
    const r = make({
      [`${CFG_D}/10-b.cfg`]: 'k: 10\nonly10: x\n',
      [`${CFG_D}/99-z.cfg`]: 'k: 99\n',
      [`${CFG_D}/50-m.cfg`]: 'k: 50\n',
      [`${CFG_D}/60-n.cfg.dpkg-old`]: 'k: old\n',
      [`${CFG_D}/README`]: 'k: readme\n',
      [`${CFG_D}/70-dir.cfg/x`]: 'k: dir\n',
      '/etc/other.cfg': 'linked: yes\n',
    });
    r.add(`${CFG_D}/80-link.cfg`, { link: `${r.dir}/etc/other.cfg` });
    const { config, sources } = loadSystemConfig(r.fs);
    assert.equal(config['k'], 99);
    assert.equal(config['only10'], 'x');
    assert.equal(config['linked'], true);
    assert.deepEqual(sources, [`${CFG_D}/10-b.cfg`, `${CFG_D}/50-m.cfg`, `${CFG_D}/80-link.cfg`, `${CFG_D}/99-z.cfg`]);
  });

  test('--file: the first listed wins; a missing one is an error and skipped', () => {
    const r = make({ '/a.cfg': 'k: a\n', '/b.cfg': 'k: b\nonly_b: 1\n' });
    const { config, sources, diagnostics } = loadSystemConfig(r.fs, { extraFiles: ['/a.cfg', '/missing.cfg', '/b.cfg'] });
    assert.equal(config['k'], 'a');
    assert.equal(config['only_b'], 1);
    assert.deepEqual(sources, ['/b.cfg', '/a.cfg']);
    assert.deepEqual(diagnostics.map(formatDiagnostic), ['/missing.cfg: config file not found, ignored']);
  });

  test('skipRunConfig leaves out /run/cloud-init/cloud.cfg', () => {
    const r = make({ [RUN]: 'datasource_list: [ Ec2, None ]\n' });
    assert.deepEqual(loadSystemConfig(r.fs, { skipRunConfig: true }).config['datasource_list'], ['NoCloud', 'ConfigDrive', 'OpenStack', 'Ec2', 'CloudStack', 'None']);
  });

  test('kernel command line cc: blocks, URL-encoded and with \\n escapes', () => {
    const r = make({
      [CFG]: 'datasource_list: [NoCloud, None]\n',
      '/proc/cmdline': 'BOOT_IMAGE=/vmlinuz cc: datasource_list: %5BEc2%5D\\nruncmd: [ls] end_cc cc:hostname: h1 end_cc quiet\n',
    });
    const { config, sources } = loadSystemConfig(r.fs);
    assert.deepEqual(config['datasource_list'], ['Ec2']);
    assert.deepEqual(config['runcmd'], ['ls']);
    assert.equal(config['hostname'], 'h1');
    assert.deepEqual(sources, [CFG, CMDLINE_CC_SOURCE]);
  });

  // A broken layer is skipped with a located diagnostic; the others load.
  const broken: [string, string, string][] = [
    ['bad YAML', 'a: 1\nb: [unclosed\n', `${CFG_D}/50-bad.cfg line 2: not valid YAML: the list "[" that starts here is not closed`],
    ['a list at the top', '- a\n- b\n', `${CFG_D}/50-bad.cfg line 1: the config must be a mapping of keys to values, not a list (the file is ignored)`],
    ['a scalar at the top', 'just text\n', `${CFG_D}/50-bad.cfg line 1: the config must be a mapping of keys to values, not "just text" (the file is ignored)`],
    ['a duplicate key', 'a: 1\na: 2\n', `${CFG_D}/50-bad.cfg line 2: a: `],
    [
      'a jinja template',
      '## template: jinja\nhostname: {{ v1.local_hostname }}\n',
      `${CFG_D}/50-bad.cfg line 1: warning: is a jinja template; templates in cloud.cfg files are not supported yet, so the file is ignored`,
    ],
  ];
  for (const [name, text, message] of broken) {
    test(`malformed file skipped: ${name}`, () => {
      const r = make({ [CFG]: 'k: base\n', [`${CFG_D}/50-bad.cfg`]: text, [`${CFG_D}/60-good.cfg`]: 'good: yes\n' });
      const { config, sources, diagnostics } = loadSystemConfig(r.fs);
      assert.equal(config['k'], 'base');
      assert.equal(config['good'], true);
      assert.equal(config['a'], undefined);
      assert.deepEqual(sources, [CFG, `${CFG_D}/60-good.cfg`]);
      assert.equal(diagnostics.length, 1);
      assert.ok(formatDiagnostic(diagnostics[0]!).startsWith(message), formatDiagnostic(diagnostics[0]!));
    });
  }

  test('a bad cc: block is skipped with a diagnostic', () => {
    const r = make({ '/proc/cmdline': 'cc: [a end_cc\n', [CFG]: 'k: 1\n' });
    const { config, sources, diagnostics } = loadSystemConfig(r.fs);
    assert.equal(config['k'], 1);
    assert.deepEqual(sources, [CFG]);
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0]!.source, CMDLINE_CC_SOURCE);
  });

  test('empty and comment-only files are empty mappings, without a diagnostic', () => {
    const r = make({ [CFG]: '', [`${CFG_D}/a.cfg`]: '# nothing here\n' });
    const { sources, diagnostics } = loadSystemConfig(r.fs);
    assert.deepEqual(sources, [CFG, `${CFG_D}/a.cfg`]);
    assert.deepEqual(diagnostics, []);
  });
});
