/** The entry point: wrapper, disabled configs, versions, and the document as a whole. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseNetworkConfig } from '../../../src/net/parse/index.ts';
import { formatDiagnostic } from '../../../src/text/diagnostics.ts';
import { errorsOf, parse, stateOf } from './helpers.ts';

describe('network config documents', () => {
  test('a top-level "network:" key is unwrapped, and paths in messages keep it', () => {
    const s = stateOf('network:\n  version: 2\n  ethernets:\n    eth0: {dhcp4: true}\n');
    assert.deepEqual(s.interfaces.map((i) => i.name), ['eth0']);
    assert.deepEqual(errorsOf('network:\n  version: 1\n  config:\n    - {type: physical, name: "a/b"}\n'), [
      'network-config line 4: network.config[0].name: interface name "a/b" must not contain whitespace, "/" or ":"',
    ]);
  });
  test('keys next to "network:" are ignored with a warning', () => {
    const s = stateOf('network:\n  version: 2\n  ethernets: {eth0: {dhcp4: true}}\nother: 1\n');
    assert.deepEqual(s.warnings, ['network-config line 1: warning: keys next to the top-level "network" key are ignored']);
  });
  test('"config: disabled", bare or wrapped, disables networking', () => {
    for (const text of ['config: disabled\n', 'network: {config: disabled}\n', 'network:\n  config: disabled\n  version: 2\n']) {
      assert.equal(parse(text).kind, 'disabled', text);
    }
  });
  test('an empty document', () => {
    for (const text of ['', '\n', '# comment only\n']) {
      assert.deepEqual(errorsOf(text), ['network-config: the network config is empty'], JSON.stringify(text));
    }
    assert.deepEqual(errorsOf('~\n'), ['network-config line 1: the network config is empty']);
  });
  test('a document that is not a mapping', () => {
    assert.deepEqual(errorsOf('[1, 2]\n'), ['network-config line 1: the network config must be a mapping, not a list']);
    assert.deepEqual(errorsOf('42\n'), ['network-config line 1: the network config must be a mapping, not 42']);
  });
  test('version missing, unsupported or not a number', () => {
    assert.deepEqual(errorsOf('ethernets: {}\n'), ['network-config line 1: the network config has no "version" key (add "version: 1" or "version: 2")']);
    assert.deepEqual(errorsOf('version: 3\n'), ['network-config line 1: version: unsupported network config version 3 (stratus reads versions 1 and 2)']);
    assert.deepEqual(errorsOf('version: "1"\nconfig: []\n'), ['network-config line 1: version: must be the number 1 or 2, not "1" (a string; write it without quotes)']);
  });
  test('v1 without config is an error, an empty config list is valid', () => {
    assert.deepEqual(errorsOf('version: 1\n'), ['network-config line 1: a version 1 network config needs a "config" key with the list of its entries']);
    assert.deepEqual(stateOf('version: 1\nconfig: []\n').interfaces, []);
  });
  test('v2 without devices is valid and empty', () => {
    assert.deepEqual(stateOf('version: 2\n').interfaces, []);
  });
  test('an already loaded document without positions (as from JSON conversion)', () => {
    const r = parseNetworkConfig({ source: 'converted', value: { version: 1, config: [{ type: 'physical', name: 'eth0', mtu: 'x' }] }, locate: () => undefined });
    assert.equal(r.kind, 'invalid');
    assert.deepEqual(r.diagnostics.map(formatDiagnostic), ['converted: config[0].mtu: must be an integer, not "x"']);
  });
});
