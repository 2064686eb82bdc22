/**
 * The compiled cloud-config schema the boot imports is what the modules'
 * fragments say today: this fails when a fragment changed and
 * scripts/build-schema.mjs was not run. Also the merge rules the build
 * enforces.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CLOUD_CONFIG_SCHEMA } from '../../src/config/schema/cloud-config.generated.ts';
import { collectFragments, collectSchema, GENERATED_PATH, mergeFragments, renderGenerated } from '../../src/config/schema/collect.ts';
import { REPO } from '../cli/cli.ts';

test('src/config/schema/cloud-config.generated.ts is up to date with the modules (else run: node scripts/build-schema.mjs)', async () => {
  const expected = renderGenerated(await collectSchema());
  const actual = readFileSync(join(REPO, GENERATED_PATH), 'utf8');
  assert.ok(actual === expected, `${GENERATED_PATH} is stale: run node scripts/build-schema.mjs (or npm run build) and commit the result`);
  assert.deepEqual(CLOUD_CONFIG_SCHEMA, await collectSchema());
});

test('every key a module declares is in the schema, read by that module', async () => {
  for (const { owner, fragment } of await collectFragments()) {
    for (const key of Object.keys(fragment.properties)) {
      assert.ok(CLOUD_CONFIG_SCHEMA.readBy[key]?.includes(owner), `${key} (${owner})`);
    }
  }
  assert.deepEqual(CLOUD_CONFIG_SCHEMA.readBy['hostname'], ['set_hostname', 'update_hostname']);
  assert.deepEqual(CLOUD_CONFIG_SCHEMA.readBy['final_message'], ['final_message']);
});

describe('merging fragments', () => {
  test('descriptions and defaults are left out; keys are sorted', () => {
    const s = mergeFragments([
      { owner: 'b', fragment: { properties: { zed: { type: 'string', description: 'x', default: 'y' }, description: { type: 'object', properties: { default: { type: 'string' } } } } } },
    ]);
    assert.deepEqual(s.properties, { description: { type: 'object', properties: { default: { type: 'string' } } }, zed: { type: 'string' } });
  });

  test('the same key with the same schema from two modules is fine; a different schema is refused', () => {
    const a = { properties: { hostname: { type: 'string' as const } } };
    assert.deepEqual(mergeFragments([{ owner: 'a', fragment: a }, { owner: 'b', fragment: a }]).readBy, { hostname: ['a', 'b'] });
    assert.throws(
      () => mergeFragments([{ owner: 'a', fragment: a }, { owner: 'b', fragment: { properties: { hostname: { type: 'integer' } } } }]),
      /cloud-config key "hostname": b and a give it different schemas/,
    );
  });

  test('a reference that resolves to nothing, or a pattern that does not compile, fails the build', () => {
    assert.throws(() => mergeFragments([{ owner: 'a', fragment: { properties: { k: { $ref: '#/$defs/missing' } } } }]), /does not resolve/);
    assert.throws(() => mergeFragments([{ owner: 'a', fragment: { properties: { k: { pattern: '([' } } } }]), /does not compile/);
    assert.doesNotThrow(() => mergeFragments([{ owner: 'a', fragment: { $defs: { d: { type: 'string' } }, properties: { k: { $ref: '#/$defs/d' } } } }]));
  });
});
