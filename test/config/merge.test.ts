import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BUILTIN_DATASOURCE_LIST, builtinConfig } from '../../src/config/builtin.ts';
import { mergeConfigs } from '../../src/config/merge.ts';
import { loadYaml } from '../../src/text/yaml.ts';

describe('mergeConfigs', () => {
  const cases: [string, Record<string, unknown>[], Record<string, unknown>][] = [
    ['no layers', [], {}],
    ['disjoint keys are all kept', [{ a: 1 }, { b: 2 }], { a: 1, b: 2 }],
    ['a higher scalar wins', [{ a: 1 }, { a: 2 }, { a: 3 }], { a: 1 }],
    ['lists are neither replaced nor concatenated', [{ l: [1] }, { l: [2, 3] }], { l: [1] }],
    ['mappings merge key by key, recursively', [{ m: { x: 1, n: { p: 1 } } }, { m: { x: 2, y: 2, n: { q: 2 } } }], { m: { x: 1, y: 2, n: { p: 1, q: 2 } } }],
    ['a higher null is kept', [{ a: null }, { a: { b: 1 } }], { a: null }],
    ['a higher scalar is not replaced by a mapping', [{ a: 'x' }, { a: { b: 1 } }], { a: 'x' }],
    ['a higher mapping is not replaced by a scalar', [{ a: { b: 1 } }, { a: 'x' }], { a: { b: 1 } }],
  ];
  for (const [name, layers, expected] of cases) test(name, () => assert.deepEqual(mergeConfigs(layers), expected));

  test('the result shares no containers with the inputs', () => {
    const low = { m: { l: [1, { x: 1 }] } };
    const merged = mergeConfigs([{ m: { y: 1 } }, low]);
    (merged['m'] as { l: unknown[] }).l.push(2);
    assert.deepEqual(low, { m: { l: [1, { x: 1 }] } });
  });

  test('__proto__ keys from YAML are ordinary keys and pollute nothing', () => {
    const layer = loadYaml('__proto__: {polluted: yes}\nm: {__proto__: {x: 1}}\n', 't').doc!.value as Record<string, unknown>;
    const merged = mergeConfigs([{ m: { a: 1 } }, layer]);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal(Object.getPrototypeOf(merged), Object.prototype);
    assert.deepEqual(Object.keys(merged), ['m', '__proto__']);
    assert.deepEqual(Object.keys(merged['m'] as object), ['a', '__proto__']);
    assert.equal(Object.getPrototypeOf(merged['m']), Object.prototype);
  });
});

describe('builtinConfig', () => {
  test("cloud-init's builtin values, restricted to stratus's datasources", () => {
    const cfg = builtinConfig();
    assert.deepEqual(cfg['datasource_list'], ['NoCloud', 'ConfigDrive', 'OpenStack', 'Ec2', 'CloudStack', 'None']);
    assert.equal(cfg['def_log_file'], '/var/log/cloud-init.log');
    assert.deepEqual(cfg['vendor_data'], { enabled: true, prefix: [] });
    assert.deepEqual(cfg['vendor_data2'], { enabled: true, prefix: [] });
    assert.deepEqual((cfg['system_info'] as Record<string, unknown>)['network'], { renderers: null });
    // No distro: without one in cloud.cfg, stratus reads the target's /etc/os-release (cloud-init assumes ubuntu).
    assert.equal((cfg['system_info'] as Record<string, unknown>)['distro'], undefined);
    assert.equal(cfg['cloud_init_modules'], undefined);
  });
  test('every call returns a fresh copy', () => {
    (builtinConfig()['datasource_list'] as string[]).push('X');
    assert.deepEqual(builtinConfig()['datasource_list'], [...BUILTIN_DATASOURCE_LIST]);
  });
});
