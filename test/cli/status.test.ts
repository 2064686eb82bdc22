/**
 * `stratus status` on hand-written status.json/result.json files in
 * temporary roots: the running status, condition, boot status code, every
 * key of the json output, the tabular and yaml renderings, exit codes,
 * --wait, and one real run in a child process.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { runStatus, type StatusIo } from '../../src/cli/status.ts';
import { capture, fill, runVerbProcess, tempRoots, type Entry } from '../report/helpers.ts';

const roots = tempRoots('stratus-status-test-');
after(() => roots.dispose());

const NOW = new Date(Date.UTC(2026, 2, 1, 12, 0, 0));
const UPTIME = 100;
const NOCLOUD = 'DataSourceNoCloud [seed=/var/lib/cloud/seed/nocloud][dsmode=net]';

interface Stage {
  errors?: string[];
  recoverable_errors?: Record<string, string[]>;
  start: number | null;
  finished: number | null;
}
const ran = (start: number, finished: number | null, more: Partial<Stage> = {}): Stage => ({ errors: [], recoverable_errors: {}, start, finished, ...more });
const notRun: Stage = { errors: [], recoverable_errors: {}, start: null, finished: null };

function statusJson(v1: { datasource?: string | null; stage?: string | null; stages: Partial<Record<string, Stage>> }): string {
  return JSON.stringify(
    {
      v1: {
        datasource: v1.datasource ?? null,
        stage: v1.stage ?? null,
        'init-local': v1.stages['init-local'] ?? notRun,
        init: v1.stages.init ?? notRun,
        'modules-config': v1.stages['modules-config'] ?? notRun,
        'modules-final': v1.stages['modules-final'] ?? notRun,
      },
    },
    null,
    1,
  );
}

const SYSTEMD: Record<string, Entry> = { '/run/systemd/system': { dir: true }, '/run/cloud-init/enabled': '' };
const STATUS_LINKS: Record<string, Entry> = {
  '/run/cloud-init/status.json': { link: '../../var/lib/cloud/data/status.json' },
};
const RESULT: Record<string, Entry> = {
  '/var/lib/cloud/data/result.json': '{"v1": {"datasource": null, "errors": []}}',
  '/run/cloud-init/result.json': { link: '../../var/lib/cloud/data/result.json' },
};
const ALL_DONE = { 'init-local': ran(2, 3), init: ran(5, 6), 'modules-config': ran(7, 8), 'modules-final': ran(9, 10.5) };

function withStatus(text: string, done: boolean): Record<string, Entry> {
  return { ...SYSTEMD, '/var/lib/cloud/data/status.json': text, ...STATUS_LINKS, ...(done ? RESULT : {}) };
}

function io(c: ReturnType<typeof capture>, env: Record<string, string> = {}, sleep?: (ms: number) => Promise<void>): StatusIo {
  return { ...c.io, host: () => ({ env, now: NOW, uptime: UPTIME }), sleep: sleep ?? (async () => undefined) };
}

async function status(files: Record<string, Entry>, argv: string[] = [], env: Record<string, string> = {}) {
  const root = roots.make(files);
  const c = capture();
  const code = await runStatus(argv, { root, debug: false, force: false }, io(c, env));
  return { code, out: c.out, err: c.err, root };
}

async function statusJsonOf(files: Record<string, Entry>, env: Record<string, string> = {}) {
  const r = await status(files, ['--format', 'json'], env);
  return { ...r, json: JSON.parse(r.out) as Record<string, unknown> };
}

interface Scenario {
  name: string;
  files: Record<string, Entry>;
  env?: Record<string, string>;
  code: number;
  status: string;
  extended: string;
  boot: string;
  detail: string | RegExp;
  datasource: string | null;
  errors?: string[] | RegExp;
  recoverable?: Record<string, string[]>;
  lastUpdate?: string;
  /** status.json cannot be read: the v1 keys are missing from the output. */
  corrupt?: boolean;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'not started',
    files: SYSTEMD,
    code: 0,
    status: 'not started',
    extended: 'not started',
    boot: 'enabled-by-generator',
    detail: 'Cloud-init enabled by systemd cloud-init-generator',
    datasource: '',
    lastUpdate: '',
  },
  {
    name: 'running, no datasource yet',
    files: withStatus(statusJson({ stage: 'init-local', stages: { 'init-local': ran(2, null) } }), false),
    code: 0,
    status: 'running',
    extended: 'running',
    boot: 'enabled-by-generator',
    detail: 'Running in stage: init-local',
    datasource: null,
  },
  {
    name: 'running, datasource found',
    files: withStatus(statusJson({ datasource: NOCLOUD, stage: 'init', stages: { 'init-local': ran(2, 3), init: ran(5, null) } }), false),
    code: 0,
    status: 'running',
    extended: 'running',
    boot: 'enabled-by-generator',
    detail: NOCLOUD,
    datasource: 'nocloud',
    lastUpdate: 'Sun, 01 Mar 2026 11:58:25 +0000',
  },
  {
    name: 'done, healthy',
    files: withStatus(statusJson({ datasource: NOCLOUD, stages: ALL_DONE }), true),
    code: 0,
    status: 'done',
    extended: 'done',
    boot: 'enabled-by-generator',
    detail: NOCLOUD,
    datasource: 'nocloud',
    errors: [],
    recoverable: {},
    lastUpdate: 'Sun, 01 Mar 2026 11:58:30 +0000',
  },
  {
    name: 'done, degraded (recoverable errors)',
    files: withStatus(
      statusJson({
        datasource: NOCLOUD,
        stages: { ...ALL_DONE, init: ran(5, 6, { recoverable_errors: { WARNING: ['w1'] } }), 'init-local': ran(2, 3, { recoverable_errors: { WARNING: ['w0'], DEPRECATED: ['d0'] } }) },
      }),
      true,
    ),
    code: 2,
    status: 'done',
    extended: 'degraded done',
    boot: 'enabled-by-generator',
    detail: NOCLOUD,
    datasource: 'nocloud',
    errors: [],
    // Stages in name order: init before init-local.
    recoverable: { WARNING: ['w1', 'w0'], DEPRECATED: ['d0'] },
  },
  {
    name: 'done, error',
    files: withStatus(
      statusJson({ datasource: NOCLOUD, stages: { ...ALL_DONE, 'modules-final': ran(9, 10.5, { errors: ['final broke'] }), init: ran(5, 6, { errors: ['init broke'] }) } }),
      true,
    ),
    code: 1,
    status: 'error',
    extended: 'error - done',
    boot: 'enabled-by-generator',
    detail: NOCLOUD,
    datasource: 'nocloud',
    errors: ['init broke', 'final broke'],
  },
  {
    name: 'disabled by the marker file',
    files: { ...SYSTEMD, '/etc/cloud/cloud-init.disabled': '' },
    code: 0,
    status: 'disabled',
    extended: 'disabled',
    boot: 'disabled-by-marker-file',
    detail: 'Cloud-init disabled by /etc/cloud/cloud-init.disabled',
    datasource: '',
  },
  {
    name: 'disabled on the kernel command line',
    files: { ...SYSTEMD, '/proc/cmdline': 'BOOT_IMAGE=/vmlinuz root=/dev/vda1 cloud-init=disabled quiet\n' },
    code: 0,
    status: 'disabled',
    extended: 'disabled',
    boot: 'disabled-by-kernel-command-line',
    detail: 'Cloud-init disabled by kernel parameter cloud-init=disabled',
    datasource: '',
  },
  {
    name: 'enabled on the kernel command line wins over the marker file',
    files: { ...SYSTEMD, '/proc/cmdline': 'cloud-init=enabled', '/etc/cloud/cloud-init.disabled': '' },
    code: 0,
    status: 'not started',
    extended: 'not started',
    boot: 'enabled-by-kernel-command-line',
    detail: 'Cloud-init enabled by kernel command line cloud-init=enabled',
    datasource: '',
  },
  {
    name: 'disabled by KERNEL_CMDLINE in the environment',
    files: SYSTEMD,
    env: { KERNEL_CMDLINE: 'ro cloud-init=disabled' },
    code: 0,
    status: 'disabled',
    extended: 'disabled',
    boot: 'disabled-by-environment-variable',
    detail: 'Cloud-init disabled by environment variable KERNEL_CMDLINE=cloud-init=disabled',
    datasource: '',
  },
  {
    name: 'disabled by the generator',
    files: { '/run/systemd/system': { dir: true }, '/run/cloud-init/disabled': '' },
    code: 0,
    status: 'disabled',
    extended: 'disabled',
    boot: 'disabled-by-generator',
    detail: 'Cloud-init disabled by cloud-init-generator',
    datasource: '',
  },
  {
    name: 'systemd, generator not run',
    files: { '/run/systemd/system': { dir: true } },
    code: 0,
    status: 'not started',
    extended: 'not started',
    boot: 'unknown',
    detail: 'Systemd generator may not have run yet.',
    datasource: '',
  },
  {
    name: 'not systemd: sysvinit, the marker is not consulted',
    files: { '/etc/cloud/cloud-init.disabled': '' },
    code: 0,
    status: 'not started',
    extended: 'not started',
    boot: 'enabled-by-sysvinit',
    detail: 'Cloud-init enabled on sysvinit',
    datasource: '',
  },
  {
    name: 'corrupt status.json: an error naming the file',
    files: withStatus('{"v1": {"datasource": "DataSourceNoCl', false),
    code: 1,
    status: 'error',
    extended: 'error - running',
    boot: 'enabled-by-generator',
    detail: 'Cloud-init enabled by systemd cloud-init-generator',
    datasource: '',
    corrupt: true,
    errors: /^\/run\/cloud-init\/status\.json cannot be read: not valid JSON/,
  },
  {
    name: 'absolute links are followed inside the root',
    files: { ...withStatus(statusJson({ datasource: 'DataSourceEc2Local', stages: ALL_DONE }), false), '/run/cloud-init/status.json': { link: '/var/lib/cloud/data/status.json' }, '/run/cloud-init/result.json': { link: '/var/lib/cloud/data/result.json' }, '/var/lib/cloud/data/result.json': '{}' },
    code: 0,
    status: 'done',
    extended: 'done',
    boot: 'enabled-by-generator',
    detail: 'DataSourceEc2Local',
    datasource: 'ec2local',
  },
];

const JSON_KEYS = ['boot_status_code', 'datasource', 'detail', 'errors', 'extended_status', 'last_update', 'recoverable_errors', 'status'];
const V1_KEYS = ['init', 'init-local', 'modules-config', 'modules-final', 'stage'];

describe('status scenarios', () => {
  for (const s of SCENARIOS) {
    test(s.name, async () => {
      const r = await statusJsonOf(s.files, s.env);
      assert.equal(r.code, s.code, r.err);
      assert.equal(r.err, '');
      const j = r.json;
      assert.equal(j['status'], s.status);
      assert.equal(j['extended_status'], s.extended);
      assert.equal(j['boot_status_code'], s.boot);
      if (typeof s.detail === 'string') assert.equal(j['detail'], s.detail);
      else assert.match(String(j['detail']), s.detail);
      assert.equal(j['datasource'], s.datasource);
      if (Array.isArray(s.errors)) assert.deepEqual(j['errors'], s.errors);
      else if (s.errors) {
        const errors = j['errors'] as string[];
        assert.equal(errors.length, 1);
        assert.match(errors[0]!, s.errors);
      }
      if (s.recoverable) assert.deepEqual(j['recoverable_errors'], s.recoverable);
      if (s.lastUpdate !== undefined) assert.equal(j['last_update'], s.lastUpdate);
      const hasStatusFile = s.files['/var/lib/cloud/data/status.json'] !== undefined && !s.corrupt;
      assert.deepEqual(Object.keys(j).sort(), hasStatusFile ? [...JSON_KEYS, ...V1_KEYS].sort() : JSON_KEYS);

      const tab = await status(s.files, [], s.env);
      assert.equal(tab.out, `status: ${s.status}\n`);
      assert.equal(tab.code, s.code);
    });
  }
});

describe('json output', () => {
  test('every key, one by one, for a finished boot', async () => {
    const { json, out } = await statusJsonOf(withStatus(statusJson({ datasource: NOCLOUD, stages: ALL_DONE }), true));
    assert.equal(json['datasource'], 'nocloud');
    assert.equal(json['boot_status_code'], 'enabled-by-generator');
    assert.equal(json['status'], 'done');
    assert.equal(json['extended_status'], 'done');
    assert.equal(json['detail'], NOCLOUD);
    assert.deepEqual(json['errors'], []);
    assert.deepEqual(json['recoverable_errors'], {});
    assert.equal(json['last_update'], 'Sun, 01 Mar 2026 11:58:30 +0000');
    assert.deepEqual(json['init'], { errors: [], finished: 6, recoverable_errors: {}, start: 5 });
    assert.deepEqual(json['init-local'], { errors: [], finished: 3, recoverable_errors: {}, start: 2 });
    assert.deepEqual(json['modules-config'], { errors: [], finished: 8, recoverable_errors: {}, start: 7 });
    assert.deepEqual(json['modules-final'], { errors: [], finished: 10.5, recoverable_errors: {}, start: 9 });
    assert.equal(json['stage'], null);
    assert.ok(!('v1' in json) && !('datasource' in (json['init'] as object)));
    // Pretty-printed with indent 2 and sorted keys, as Python's json.dumps.
    assert.ok(out.startsWith('{\n  "boot_status_code": "enabled-by-generator",\n  "datasource": "nocloud",\n  "detail": '), out);
    assert.ok(out.endsWith('  "stage": null,\n  "status": "done"\n}\n'), out);
  });

  test('an uptime from another boot (later than now) gives no last_update', async () => {
    const { json } = await statusJsonOf(withStatus(statusJson({ stages: { ...ALL_DONE, 'modules-final': ran(9, 500) } }), true));
    assert.equal(json['last_update'], '');
  });
});

describe('tabular and yaml', () => {
  test('--long for an error with recoverable errors, as cloud-init prints it', async () => {
    const files = withStatus(
      statusJson({
        datasource: NOCLOUD,
        stages: { ...ALL_DONE, init: ran(5, 6, { errors: ['e1', 'e2'], recoverable_errors: { WARNING: ['w1', 'two\nlines'], ERROR: ['x'] } }) },
      }),
      true,
    );
    const r = await status(files, ['--long']);
    assert.equal(r.code, 1);
    assert.equal(
      r.out,
      [
        'status: error',
        'extended_status: error - done',
        'boot_status_code: enabled-by-generator',
        'last_update: Sun, 01 Mar 2026 11:58:30 +0000',
        `detail: ${NOCLOUD}`,
        'errors:',
        '\t- e1',
        '\t- e2',
        'recoverable_errors:',
        'WARNING:',
        '\t- w1',
        '\t- two lines',
        'ERROR:',
        '\t- x',
        '',
      ].join('\n'),
    );
  });

  test('-l when nothing ran: no last_update line, empty lists', async () => {
    const r = await status(SYSTEMD, ['-l']);
    assert.equal(
      r.out,
      'status: not started\nextended_status: not started\nboot_status_code: enabled-by-generator\ndetail: Cloud-init enabled by systemd cloud-init-generator\nerrors: []\nrecoverable_errors: {}\n',
    );
  });

  test('yaml', async () => {
    const r = await status(withStatus(statusJson({ datasource: NOCLOUD, stages: { ...ALL_DONE, init: ran(5, 6, { recoverable_errors: { WARNING: ['no: way'] } }) } }), true), [
      '--format=yaml',
    ]);
    assert.equal(r.code, 2);
    assert.equal(
      r.out,
      `---
boot_status_code: enabled-by-generator
datasource: nocloud
detail: ${NOCLOUD}
errors: []
extended_status: degraded done
init:
    errors: []
    finished: 6
    recoverable_errors:
        WARNING:
        - 'no: way'
    start: 5
init-local:
    errors: []
    finished: 3
    recoverable_errors: {}
    start: 2
last_update: Sun, 01 Mar 2026 11:58:30 +0000
modules-config:
    errors: []
    finished: 8
    recoverable_errors: {}
    start: 7
modules-final:
    errors: []
    finished: 10.5
    recoverable_errors: {}
    start: 9
recoverable_errors:
    WARNING:
    - 'no: way'
stage: null
status: done
...

`,
    );
  });
});

describe('--wait', () => {
  test('polls while running, prints a dot per poll, stops once done', async () => {
    const root = roots.make(withStatus(statusJson({ datasource: NOCLOUD, stage: 'modules-final', stages: { ...ALL_DONE, 'modules-final': ran(9, null) } }), false));
    const c = capture();
    let polls = 0;
    const code = await runStatus(['--wait'], { root, debug: false, force: false }, io(c, {}, async (ms) => {
      assert.equal(ms, 250);
      if (++polls === 3) fill(root, { '/var/lib/cloud/data/status.json': statusJson({ datasource: NOCLOUD, stages: ALL_DONE }), ...RESULT });
    }));
    assert.equal(code, 0);
    assert.equal(polls, 3);
    assert.equal(c.out, '...\nstatus: done\n');
  });

  test('does not wait when disabled, and json prints no dots', async () => {
    const root = roots.make({ ...SYSTEMD, '/etc/cloud/cloud-init.disabled': '' });
    const c = capture();
    const code = await runStatus(['-w', '--format', 'json'], { root, debug: false, force: false }, io(c, {}, async () => assert.fail('slept')));
    assert.equal(code, 0);
    assert.equal(JSON.parse(c.out).status, 'disabled');
  });
});

describe('usage', () => {
  test('a bad --format, an unknown option, a missing root: exit 2 / 1 with a message', async () => {
    const bad = await status(SYSTEMD, ['--format', 'xml']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--format "xml" is not one of tabular, json, yaml/);
    const unknown = await status(SYSTEMD, ['--frob']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /usage: stratus status/);
    const c = capture();
    const code = await runStatus([], { root: '/nonexistent/stratus-root', debug: false, force: false }, io(c));
    assert.equal(code, 1);
    assert.match(c.err, /--root \/nonexistent\/stratus-root does not exist/);
  });
});

test('a real run: output on stdout, exit code of the condition', async () => {
  const root = roots.make(withStatus(statusJson({ datasource: NOCLOUD, stages: { ...ALL_DONE, init: ran(5, 6, { recoverable_errors: { WARNING: ['w'] } }) } }), true));
  const r = await runVerbProcess('status', 'status', ['--long'], root, { KERNEL_CMDLINE: '' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stdout, /^status: done\nextended_status: degraded done\nboot_status_code: enabled-by-generator\n/);
  // The real clock and uptime: some date in the right format, or none when this machine booted after 10.5 s... of course it did not.
  assert.match(r.stdout, /\nlast_update: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d \+0000\n/);
  assert.equal(r.stderr, '');
});
