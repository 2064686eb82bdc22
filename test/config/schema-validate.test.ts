/**
 * The schema interpreter: every keyword of the subset, the messages users
 * read, located diagnostics, oneOf/anyOf reporting the branch the user
 * meant, deprecations apart from errors.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateCloudConfig, withoutInvalidKeys } from '../../src/config/schema/cloud-config.ts';
import type { CloudConfigSchema, JsonSchema } from '../../src/config/schema/types.ts';
import { closestName, validateValue } from '../../src/config/schema/validate.ts';
import { formatPath } from '../../src/text/diagnostics.ts';
import { loadYaml } from '../../src/text/yaml.ts';

/** "path: message" for each error (and deprecation), the way tests compare them. */
function check(schema: JsonSchema, value: unknown, defs: Record<string, JsonSchema> = {}): { errors: string[]; deprecations: string[] } {
  const r = validateValue(schema, value, { source: 'test', defs });
  const text = (d: { path: (string | number)[]; message: string }) => `${formatPath(d.path) || '<root>'}: ${d.message}`;
  return { errors: r.errors.map(text), deprecations: r.deprecations.map(text) };
}

function errors(schema: JsonSchema, value: unknown, defs?: Record<string, JsonSchema>): string[] {
  return check(schema, value, defs).errors;
}

describe('keywords', () => {
  test('type, with the words a user knows', () => {
    assert.deepEqual(errors({ type: 'string' }, 5), ['<root>: must be a string, not 5']);
    assert.deepEqual(errors({ type: 'integer' }, 1.5), ['<root>: must be an integer, not 1.5']);
    assert.deepEqual(errors({ type: 'integer' }, 2), []);
    assert.deepEqual(errors({ type: 'number' }, 2.5), []);
    assert.deepEqual(errors({ type: 'boolean' }, 'yes'), ['<root>: must be true or false, not "yes"']);
    assert.deepEqual(errors({ type: ['string', 'array'] }, {}), ['<root>: must be a string or a list, not a mapping']);
    assert.deepEqual(errors({ type: 'object' }, []), ['<root>: must be a mapping, not a list']);
    assert.deepEqual(errors({ type: 'null' }, null), []);
    assert.deepEqual(errors({ type: 'object' }, new Map()), ['<root>: must be a mapping, not an ordered mapping (!!omap)']);
    // !!binary is a string to the schema (cloud-init accepts bytes where it accepts text).
    assert.deepEqual(errors({ type: 'string', pattern: '^x$', minLength: 9 }, new Uint8Array([1, 2])), []);
  });

  test('enum and const', () => {
    const encoding: JsonSchema = { enum: ['b64', 'base64', 'gz', 'text/plain'] };
    assert.deepEqual(errors(encoding, 'b65'), ['<root>: "b65" is not one of b64, base64, gz, text/plain']);
    assert.deepEqual(errors(encoding, 'gz'), []);
    assert.deepEqual(errors({ enum: [true, 'auto', null] }, false), ['<root>: false is not one of true, auto, null']);
    assert.deepEqual(errors({ const: 2 }, 1), ['<root>: must be 2, not 1']);
    assert.deepEqual(errors({ const: 2 }, 2), []);
  });

  test('strings: pattern, minLength, maxLength', () => {
    assert.deepEqual(errors({ pattern: '^[0-7]{3,4}$' }, '0999'), ['<root>: "0999" does not match the pattern ^[0-7]{3,4}$']);
    assert.deepEqual(errors({ pattern: '^[0-7]{3,4}$' }, '0644'), []);
    // Not anchored unless the pattern says so, as in JSON Schema.
    assert.deepEqual(errors({ pattern: 'b' }, 'abc'), []);
    assert.deepEqual(errors({ minLength: 1 }, ''), ['<root>: must not be empty']);
    assert.deepEqual(errors({ minLength: 3 }, 'ab'), ['<root>: must be at least 3 characters long']);
    assert.deepEqual(errors({ maxLength: 3 }, 'abcd'), ['<root>: must be at most 3 characters long (it has 4)']);
    // Characters, not UTF-16 units.
    assert.deepEqual(errors({ maxLength: 1 }, '😀'), []);
    // Keywords for another type do not apply.
    assert.deepEqual(errors({ minLength: 3 }, 5), []);
  });

  test('numbers: minimum, maximum', () => {
    assert.deepEqual(errors({ minimum: 1, maximum: 10 }, 0), ['<root>: 0 is less than the minimum 1']);
    assert.deepEqual(errors({ minimum: 1, maximum: 10 }, 11), ['<root>: 11 is more than the maximum 10']);
    assert.deepEqual(errors({ minimum: 1, maximum: 10 }, 10), []);
  });

  test('lists: items, minItems, maxItems, uniqueItems', () => {
    const list: JsonSchema = { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 3, uniqueItems: true };
    assert.deepEqual(errors(list, []), ['<root>: must not be an empty list']);
    assert.deepEqual(errors(list, ['a', 1]), ['[1]: must be a string, not 1']);
    assert.deepEqual(errors(list, ['a', 'b', 'c', 'd']), ['<root>: must have at most 3 items (it has 4)']);
    assert.deepEqual(errors(list, ['a', 'b', 'a']), ['[2]: repeats item [0] (the items must be unique)']);
    assert.deepEqual(errors({ minItems: 2 }, [1]), ['<root>: must have at least 2 items']);
    // Mappings are the same whatever their key order.
    assert.deepEqual(errors({ uniqueItems: true }, [{ a: 1, b: 2 }, { b: 2, a: 1 }]), ['[1]: repeats item [0] (the items must be unique)']);
  });

  test('mappings: properties, required, additionalProperties, patternProperties, minProperties', () => {
    const file: JsonSchema = {
      type: 'object',
      properties: { path: { type: 'string' }, content: { type: 'string' }, encoding: { type: 'string' } },
      required: ['path'],
      additionalProperties: false,
    };
    assert.deepEqual(errors(file, { content: 'x' }), ['<root>: "path" is required']);
    assert.deepEqual(errors(file, {}), ['<root>: "path" is required']);
    assert.deepEqual(errors({ required: ['a', 'b'] }, {}), ['<root>: "a", "b" are required']);
    assert.deepEqual(errors(file, { path: '/x', encodign: 'b64' }), ['encodign: unknown key (did you mean "encoding"?)']);
    assert.deepEqual(errors(file, { path: '/x', owner: 'root' }), ['owner: unknown key']);
    const byPattern: JsonSchema = { type: 'object', patternProperties: { '^eth[0-9]+$': { type: 'integer' } }, additionalProperties: { type: 'string' } };
    assert.deepEqual(errors(byPattern, { eth0: 1, eth1: 'x', other: 'y', more: 2 }), ['eth1: must be an integer, not "x"', 'more: must be a string, not 2']);
    assert.deepEqual(errors({ type: 'object', minProperties: 1 }, {}), ['<root>: must not be an empty mapping']);
  });

  test('allOf, not', () => {
    const both: JsonSchema = { allOf: [{ type: 'string' }, { minLength: 2 }] };
    assert.deepEqual(errors(both, 'a'), ['<root>: must be at least 2 characters long']);
    const exclusive: JsonSchema = { type: 'object', not: { required: ['content', 'source'] } };
    assert.deepEqual(errors(exclusive, { content: 'a', source: 'b' }), ['<root>: must not have "content" and "source" together']);
    assert.deepEqual(errors(exclusive, { content: 'a' }), []);
    assert.deepEqual(errors({ not: { type: 'null' } }, null), ['<root>: has a form that is not allowed here']);
  });

  test('$ref to $defs, and a reference that resolves to nothing', () => {
    const defs: Record<string, JsonSchema> = { port: { type: 'integer', minimum: 1, maximum: 65535 } };
    assert.deepEqual(errors({ type: 'array', items: { $ref: '#/$defs/port' } }, [80, 0], defs), ['[1]: 0 is less than the minimum 1']);
    assert.deepEqual(errors({ $ref: '#/$defs/nothing' }, 1, defs), ['<root>: schema error: unknown reference #/$defs/nothing']);
  });
});

describe('oneOf and anyOf report the branch the user meant', () => {
  const command: JsonSchema = { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };

  test('only types differ: one line listing them', () => {
    assert.deepEqual(errors(command, 5), ['<root>: must be a string or a list, not 5']);
    assert.deepEqual(errors({ anyOf: [{ type: 'string' }, { type: 'null' }] }, true), ['<root>: must be a string or null, not true']);
  });

  test('the branch whose type fits is the one reported', () => {
    assert.deepEqual(errors(command, ['ls', 3]), ['[1]: must be a string, not 3']);
    const enabled: JsonSchema = { oneOf: [{ type: 'boolean' }, { type: 'string', enum: ['auto', 'manual'] }] };
    assert.deepEqual(errors(enabled, 'sometimes'), ['<root>: "sometimes" is not one of auto, manual']);
  });

  test('among branches that fit the type, the one that matched deepest', () => {
    const source: JsonSchema = {
      oneOf: [
        { type: 'object', properties: { uri: { type: 'string' } }, required: ['uri'], additionalProperties: false },
        {
          type: 'object',
          properties: { keyid: { type: 'string' }, keyserver: { type: 'object', properties: { host: { type: 'string' } } } },
          required: ['keyid'],
          additionalProperties: false,
        },
      ],
    };
    assert.deepEqual(errors(source, { keyid: 'A1', keyserver: { host: 5 } }), ['keyserver.host: must be a string, not 5']);
  });

  test('a value that fits two oneOf branches is an error; anyOf takes the first', () => {
    const overlap: JsonSchema[] = [{ type: 'integer' }, { type: 'number' }];
    assert.deepEqual(errors({ oneOf: overlap }, 1), ['<root>: matches 2 of the allowed forms; it must match exactly one']);
    assert.deepEqual(errors({ anyOf: overlap }, 1), []);
  });
});

describe('deprecations', () => {
  const schema: JsonSchema = {
    type: 'object',
    properties: {
      apt_update: { type: 'boolean', deprecated: true, deprecated_version: '22.2', deprecated_description: 'Use ``package_update`` instead.' },
      mode: { oneOf: [{ type: 'string' }, { type: 'integer', deprecated: true, deprecated_version: '23.1' }] },
    },
  };

  test('reported apart from errors, at the key, with the version and the advice', () => {
    assert.deepEqual(check(schema, { apt_update: true }), { errors: [], deprecations: ['apt_update: deprecated since 22.2: Use "package_update" instead.'] });
  });

  test('a deprecated key with a wrong value is both', () => {
    assert.deepEqual(check(schema, { apt_update: 'yes' }), {
      errors: ['apt_update: must be true or false, not "yes"'],
      deprecations: ['apt_update: deprecated since 22.2: Use "package_update" instead.'],
    });
  });

  test('a deprecated form inside oneOf counts only when it is the form used', () => {
    assert.deepEqual(check(schema, { mode: 'x' }).deprecations, []);
    assert.deepEqual(check(schema, { mode: 644 }).deprecations, ['mode: deprecated since 23.1']);
  });
});

describe('located diagnostics', () => {
  const schema: CloudConfigSchema = {
    $defs: {
      file: {
        type: 'object',
        properties: { path: { type: 'string' }, encoding: { enum: ['b64', 'base64', 'gz', 'gzip', 'gz+base64', 'gzip+base64', 'gz+b64', 'gzip+b64', 'text/plain'] } },
        required: ['path'],
        additionalProperties: false,
      },
    },
    properties: {
      write_files: { type: 'array', items: { $ref: '#/$defs/file' } },
      hostname: { type: 'string' },
      old_key: { type: 'string', deprecated: true },
    },
    readBy: {},
  };
  const text = `#cloud-config
hostname: myhost
write_files:
  - path: /etc/a
  - path: /etc/b
    encoding: b65
old_key: x
hostnmae: typo
runcmd: [ls]
`;

  test('line, column and path of every problem, errors and deprecations and unknown keys apart', () => {
    const { doc } = loadYaml(text, 'user-data');
    assert.ok(doc);
    const r = validateCloudConfig(doc.value, doc.locate, 'user-data', schema);
    assert.deepEqual(
      r.errors.map((d) => [d.line, d.column, formatPath(d.path), d.message, d.severity, d.source]),
      [[6, 15, 'write_files[1].encoding', '"b65" is not one of b64, base64, gz, gzip, gz+base64, gzip+base64, gz+b64, gzip+b64, text/plain', 'error', 'user-data']],
    );
    assert.deepEqual(r.deprecations.map((d) => [d.line, formatPath(d.path), d.message, d.severity]), [[7, 'old_key', 'deprecated', 'warning']]);
    assert.deepEqual(
      r.warnings.map((d) => [d.line, formatPath(d.path), d.message]),
      [
        [8, 'hostnmae', 'unknown key (did you mean "hostname"?); ignored'],
        [9, 'runcmd', 'a cloud-init key no stratus module reads yet; ignored'],
      ],
    );
  });

  test('an empty document is valid; a document that is not a mapping is not', () => {
    assert.deepEqual(validateCloudConfig(null, undefined, 'u', schema).errors, []);
    assert.deepEqual(
      validateCloudConfig(['a'], undefined, 'u', schema).errors.map((d) => d.message),
      ['a cloud-config must be a mapping of keys to values, not a list'],
    );
  });

  test('withoutInvalidKeys drops the top-level keys with errors and keeps the rest', () => {
    const config = { hostname: 5, write_files: [{ path: '/a' }], extra: 1 };
    const r = validateCloudConfig(config, undefined, 'u', schema);
    assert.deepEqual(withoutInvalidKeys(config, r), { write_files: [{ path: '/a' }], extra: 1 });
  });
});

test('closestName suggests near names only', () => {
  assert.equal(closestName('hostnmae', ['hostname', 'fqdn']), 'hostname');
  assert.equal(closestName('write-files', ['write_files']), 'write_files');
  assert.equal(closestName('zzz', ['hostname', 'fqdn']), undefined);
});
