/** The jinja subset `## template: jinja` user-data is rendered with. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { JinjaError, renderJinja, templateData } from '../../src/userdata/jinja/index.ts';

const DATA = {
  v1: { 'local-hostname': 'web1', local_hostname: 'web1', region: 'RegionOne', 'cloud-name': 'openstack', distro: 'debian' },
  ds: { 'meta-data': { 'instance-id': 'i-1', tags: ['a', 'b'], 'public-keys': { k1: 'ssh-rsa AAA' } } },
  n: 3,
  items: ['x', 'y', 'z'],
  empty: [],
  flag: true,
  text: '  Hello World  ',
};
const r = (t: string, data: Record<string, unknown> = DATA) => renderJinja(t, data).output;

describe('variables', () => {
  test('dotted, subscript and hyphen-to-underscore access', () => {
    assert.equal(r('{{ v1.local_hostname }}-{{ v1["cloud-name"] }}-{{ ds.meta_data.instance_id }}'), 'web1-openstack-i-1');
    assert.equal(r("{{ ds['meta-data']['tags'][1] }} {{ items.0 }} {{ items[-1] }}"), 'b x z');
  });
  test('Python rendering of values', () => {
    assert.equal(r('{{ flag }} {{ none }} {{ items }} {{ n }}'), "True None ['x', 'y', 'z'] 3");
  });
  test('a missing variable renders as CI_MISSING_JINJA_VAR/<name> and is reported', () => {
    const out = renderJinja('a={{ nothere }} b={{ v1.nokey }}', DATA);
    assert.equal(out.output, 'a=CI_MISSING_JINJA_VAR/nothere b=CI_MISSING_JINJA_VAR/nokey');
    assert.deepEqual(out.missing, ['nothere', 'nokey']);
  });
  test('an attribute of an undefined value is a render error with its line', () => {
    assert.throws(() => r('line1\n{{ nothere.x }}'), (e: unknown) => e instanceof JinjaError && e.kind === 'render' && e.line === 2);
  });
  test('templateData adds underscore aliases at every level and keeps existing keys', () => {
    const d = templateData({ 'a-b': { 'c-d': 1 }, x_y: 1, 'x-y': 2 });
    assert.deepEqual(d, { 'a-b': { 'c-d': 1, c_d: 1 }, a_b: { 'c-d': 1, c_d: 1 }, x_y: 1, 'x-y': 2 });
  });
  test('no reach into JavaScript internals', () => {
    assert.equal(r('{{ v1.constructor }}'), 'CI_MISSING_JINJA_VAR/constructor');
    assert.equal(r('{{ items.length }}'), 'CI_MISSING_JINJA_VAR/length');
  });
});

describe('filters', () => {
  const cases: [string, string][] = [
    ['{{ nothere | default("dflt") }}', 'dflt'],
    ['{{ "" | default("dflt", true) }}', 'dflt'],
    ['{{ "" | d("dflt") }}', ''],
    ['{{ v1.region | lower }}', 'regionone'],
    ['{{ v1.region | upper }}', 'REGIONONE'],
    ['{{ v1.region | replace("One", "Two") }}', 'RegionTwo'],
    ['{{ "aaa" | replace("a", "b", 2) }}', 'bba'],
    ['[{{ text | trim }}]', '[Hello World]'],
    ['{{ items | join(",") }}', 'x,y,z'],
    ['{{ items | join }}', 'xyz'],
    ['{{ n | string }}{{ n | string | length }}', '31'],
    ['{{ "42" | int + 1 }}', '43'],
    ['{{ "4.7" | int }} {{ "abc" | int }} {{ "abc" | int(7) }}', '4 0 7'],
    ['{{ items | length }} {{ items | first }} {{ items | last }}', '3 x z'],
    ['{{ v1.distro | upper | lower }}', 'debian'],
    ['{{ "a" ~ n ~ "b" }}', 'a3b'],
  ];
  for (const [t, want] of cases) test(t, () => assert.equal(r(t), want));
});

describe('statements', () => {
  test('if / elif / else with comparisons, and, or, not, in', () => {
    const t = "{% if v1.distro == 'centos' %}c{% elif v1.distro == 'debian' and n > 2 %}d{% else %}e{% endif %}";
    assert.equal(r(t), 'd');
    assert.equal(r("{% if 'y' in items and not ('q' in items) or false %}yes{% endif %}"), 'yes');
    assert.equal(r("{% if 'q' not in items %}none{% endif %}"), 'none');
    assert.equal(r('{% if nothere %}x{% else %}y{% endif %}{% if nothere is defined %}d{% endif %}{% if v1 is defined %}D{% endif %}'), 'yD');
    assert.equal(r("{% if 'k1' in ds.meta_data.public_keys %}k{% endif %}"), 'k');
  });
  test('for with loop variables, else, and items()', () => {
    assert.equal(r('{% for i in items %}{{ loop.index }}{{ i }}{% if not loop.last %},{% endif %}{% endfor %}'), '1x,2y,3z');
    assert.equal(r('{% for i in empty %}x{% else %}none{% endfor %}'), 'none');
    assert.equal(r('{% for k, v in ds.meta_data.public_keys.items() %}{{ k }}={{ v }}{% endfor %}'), 'k1=ssh-rsa AAA');
  });
  test('set', () => assert.equal(r('{% set h = v1.local_hostname ~ ".example" %}{{ h }}'), 'web1.example'));
  test('comments disappear; trim_blocks drops the newline after a block tag', () => {
    assert.equal(r('a{# note #}b\n{% if true %}\nline\n{% endif %}\nend'), 'ab\nline\nend');
  });
  test('whitespace control with "-"', () => {
    assert.equal(r('a   {{- n -}}   b'), 'a3b');
    assert.equal(r('x\n  {%- if true -%}\n  y\n{%- endif %}'), 'xy');
  });
  test('a single trailing newline is dropped, as Jinja does', () => assert.equal(r('#cloud-config\nhostname: x\n'), '#cloud-config\nhostname: x'));
  test('a cloud-config template', () => {
    const t = '#cloud-config\nhostname: {{ v1.local_hostname }}-x\nruncmd:\n{% for i in items %}\n  - echo {{ i }}\n{% endfor %}\n';
    assert.equal(r(t), '#cloud-config\nhostname: web1-x\nruncmd:\n  - echo x\n  - echo y\n  - echo z\n');
  });
});

describe('syntax errors are located', () => {
  const bad: [string, number, RegExp][] = [
    ['ok\n{% if x %}\nnever closed', 2, /never closed/],
    ['a\nb\n{% endif %}', 3, /unexpected "endif"/],
    ['{% for x in items %}\n{% endif %}', 2, /unexpected "endif"/],
    ['x\n{{ items | nosuchfilter }}', 2, /no filter named "nosuchfilter"/],
    ['{{ }}', 1, /empty expression/],
    ['\n\n{{ a + }}', 3, /expected an expression/],
    ['{% frobnicate %}', 1, /unknown tag "frobnicate"/],
    ['one\n{{ "unclosed }}', 2, /never closed|not closed/],
    ['{{ a b }}', 1, /unexpected/],
    ['{% if a %}{% else %}{% else %}{% endif %}', 1, /unexpected "else"/],
  ];
  for (const [t, line, msg] of bad) {
    test(JSON.stringify(t), () => {
      assert.throws(
        () => r(t),
        (e: unknown) => {
          assert.ok(e instanceof JinjaError, String(e));
          assert.equal(e.kind, 'syntax');
          assert.equal(e.line, line, e.message);
          assert.match(e.message, msg);
          return true;
        },
      );
    });
  }
});
