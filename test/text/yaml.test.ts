import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatDiagnostic } from '../../src/text/diagnostics.ts';
import { loadYaml, MAX_DEPTH } from '../../src/text/yaml.ts';

function value(text: string): unknown {
  const r = loadYaml(text, 'test');
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error'), [], text);
  return r.doc!.value;
}

function errors(text: string): string[] {
  const r = loadYaml(text, 'network-config');
  assert.equal(r.doc, undefined, 'no document on error');
  return r.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
}

describe('YAML 1.1 scalars as PyYAML reads them', () => {
  test('yes/no/on/off/true/false in their three spellings are booleans', () => {
    for (const t of ['yes', 'Yes', 'YES', 'on', 'On', 'ON', 'true', 'True', 'TRUE']) assert.deepEqual(value(`a: ${t}`), { a: true }, t);
    for (const f of ['no', 'No', 'NO', 'off', 'Off', 'OFF', 'false', 'False', 'FALSE']) assert.deepEqual(value(`a: ${f}`), { a: false }, f);
  });
  test('y and n stay strings, also as keys', () => {
    assert.deepEqual(value('a: y\nb: n\nY: 1\n'), { a: 'y', b: 'n', Y: 1 });
    assert.deepEqual(value('y: 1\nn: 2\n'), { y: 1, n: 2 });
  });
  test('odd spellings are strings', () => {
    assert.deepEqual(value('a: yEs\nb: tRUE\n'), { a: 'yEs', b: 'tRUE' });
  });
  test('octal, hex and binary integers', () => {
    assert.deepEqual(value('mode: 0644\nx: 0x1f\nb: 0b101\nd: 1_000\nneg: -12\nz: 0\n'), { mode: 420, x: 31, b: 5, d: 1000, neg: -12, z: 0 });
  });
  test('words and numbers PyYAML does not read as numbers stay strings', () => {
    // "08" is neither octal nor decimal in YAML 1.1; "e0" and "e1000" are names (the yaml package read them as NaN).
    assert.deepEqual(value('a: 08\ne0: 1\nc: .\nd: e1000\nf: 1_\n'), { a: '08', e0: 1, c: '.', d: 'e1000', f: 1 });
  });
  test('floats, including JSON exponents', () => {
    assert.deepEqual(value('a: 1.5\nb: .5\nc: 1.0e+3\nd: -2.\ne: 1e3\nf: 2.5E-1\n'), { a: 1.5, b: 0.5, c: 1000, d: -2, e: 1000, f: 0.25 });
    const v = value('i: .inf\nn: .nan\n') as { i: number; n: number };
    assert.equal(v.i, Infinity);
    assert.ok(Number.isNaN(v.n));
  });
  test('an unquoted MAC stays the string written (no sexagesimal numbers)', () => {
    assert.deepEqual(value('mac: 52:54:00:12:34:56\nother: 00:11:22:33:44:55\nt: 1:20\nu: 190:20:30\n'), {
      mac: '52:54:00:12:34:56',
      other: '00:11:22:33:44:55',
      t: '1:20',
      u: '190:20:30',
    });
  });
  test('dates stay strings (no timestamps)', () => {
    assert.deepEqual(value('d: 2001-12-14\nt: 2001-12-14t21:59:43.10-05:00\n'), { d: '2001-12-14', t: '2001-12-14t21:59:43.10-05:00' });
  });
  test('null spellings', () => {
    assert.deepEqual(value('a: ~\nb: null\nc:\nd: Null\n'), { a: null, b: null, c: null, d: null });
  });
  test('quoted values are strings', () => {
    assert.deepEqual(value('a: "yes"\nb: \'0644\'\nc: "1.5"\n'), { a: 'yes', b: '0644', c: '1.5' });
  });
  test('JSON is YAML', () => {
    assert.deepEqual(value('{"version": 2, "ethernets": {"eth0": {"dhcp4": true, "mtu": 1500}}}'), {
      version: 2,
      ethernets: { eth0: { dhcp4: true, mtu: 1500 } },
    });
  });
  test('merge keys and aliases within limits', () => {
    assert.deepEqual(value('base: &b {mtu: 9000, dhcp4: true}\neth0:\n  <<: *b\n  mtu: 1500\n'), {
      base: { mtu: 9000, dhcp4: true },
      eth0: { mtu: 1500, dhcp4: true },
    });
  });
  test('a byte order mark is ignored', () => {
    assert.deepEqual(value('\ufeffversion: 2\n'), { version: 2 });
  });
  test('an empty document or only comments is null', () => {
    assert.equal(value(''), null);
    assert.equal(value('# just a comment\n\n'), null);
  });
});

describe('YAML errors are located', () => {
  test('a duplicate key is an error with both lines and the key path', () => {
    assert.deepEqual(errors('version: 2\nethernets:\n  eth0:\n    dhcp4: true\n    mtu: 1500\n    dhcp4: false\n'), [
      'network-config line 6: ethernets.eth0.dhcp4: duplicate key "dhcp4" (first given on line 4); each key may appear only once in a mapping',
    ]);
  });
  test('a duplicate key in JSON and in a flow mapping', () => {
    assert.deepEqual(errors('{"a": 1,\n "a": 2}'), ['network-config line 2: a: duplicate key "a" (first given on line 1); each key may appear only once in a mapping']);
    assert.deepEqual(errors('x: [{a: 1, b: 2, a: 3}]\n'), ['network-config line 1: x[0].a: duplicate key "a" (first given on line 1); each key may appear only once in a mapping']);
  });
  test('every duplicate is reported, in line order', () => {
    const e = errors('a: 1\nb: 2\na: 3\nc:\n  d: 1\n  d: 2\n');
    assert.equal(e.length, 2);
    assert.match(e[0]!, /^network-config line 3: a: duplicate key/);
    assert.match(e[1]!, /^network-config line 6: c\.d: duplicate key/);
  });
  test('the same key in different mappings is fine', () => {
    assert.deepEqual(value('a: {x: 1}\nb: {x: 2}\n'), { a: { x: 1 }, b: { x: 2 } });
  });
  test('an alias bomb is rejected, not expanded', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const [i, c] of [...'bcdefghi'].entries()) lines.push(`${c}: &${c} [${Array(10).fill(`*${'abcdefghi'[i]}`).join(', ')}]`);
    const started = Date.now();
    const e = errors(lines.join('\n'));
    assert.ok(Date.now() - started < 2000, 'rejected quickly');
    assert.equal(e.length, 1);
    assert.match(e[0]!, /^network-config: not valid YAML: its aliases expand to too many values/);
  });
  test('syntax errors carry the line', () => {
    assert.match(errors('version: 2\nethernets:\n  eth0: [1, 2\n')[0]!, /^network-config line \d: not valid YAML: /);
    assert.deepEqual(errors('a:\n\tb: 1\n'), ['network-config line 2: not valid YAML: Tabs are not allowed as indentation; indent with spaces']);
    // Located where the string starts, not at the end of the text where the scanner notices.
    assert.match(errors('a: "unterminated\n')[0]!, /^network-config line 1: not valid YAML: Missing closing "quote/);
  });
  test('more than one document is an error', () => {
    assert.deepEqual(errors('a: 1\n---\nb: 2\n'), [
      'network-config line 2: not valid YAML: more than one YAML document (a second one starts with this "---"); only one document is allowed',
    ]);
  });
  test(`nesting is limited to ${MAX_DEPTH} levels`, () => {
    assert.doesNotThrow(() => value(`${'['.repeat(MAX_DEPTH)}${']'.repeat(MAX_DEPTH)}`));
    assert.deepEqual(errors(`x:\n  y: ${'['.repeat(MAX_DEPTH)}${']'.repeat(MAX_DEPTH)}`), ['network-config line 2: not valid YAML: nested more than 64 levels deep']);
  });
  test('absurd nesting is an error, not a crash', () => {
    for (const text of ['['.repeat(20000) + ']'.repeat(20000), '{a: '.repeat(5000) + '1' + '}'.repeat(5000)]) {
      const e = errors(text);
      assert.ok(e.length >= 1);
      assert.match(e[0]!, /nested (too deeply|more than 64 levels deep)/);
    }
  });
  test('an unknown tag is a warning', () => {
    const r = loadYaml('a: !custom value\n', 'nc');
    assert.deepEqual(r.doc?.value, { a: 'value' });
    assert.deepEqual(r.diagnostics.map(formatDiagnostic), ['nc line 1: warning: a: YAML: unknown tag !custom; the value is read as if it had no tag']);
  });
  test('a large mapping loads in linear time', () => {
    let text = 'ethernets:\n';
    for (let i = 0; i < 20000; i++) text += `  e${i}: {dhcp4: true}\n`;
    const started = Date.now();
    const v = value(text) as { ethernets: Record<string, unknown> };
    assert.equal(Object.keys(v.ethernets).length, 20000);
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  });
});

describe('locate', () => {
  const doc = loadYaml('version: 2\nethernets:\n  eth0:\n    addresses:\n      - 10.0.0.1/24\n      - 10.0.0.300/24\n    mtu: 1500\n', 'nc').doc!;
  test('scalars are located at their value', () => {
    assert.deepEqual(doc.locate(['version']), { line: 1, column: 10 });
    assert.deepEqual(doc.locate(['ethernets', 'eth0', 'addresses', 1]), { line: 6, column: 9 });
    assert.deepEqual(doc.locate(['ethernets', 'eth0', 'mtu']), { line: 7, column: 10 });
  });
  test('collections are located at their key', () => {
    assert.deepEqual(doc.locate(['ethernets']), { line: 2, column: 1 });
    assert.deepEqual(doc.locate(['ethernets', 'eth0']), { line: 3, column: 3 });
  });
  test('a missing key is located at the nearest existing parent', () => {
    assert.deepEqual(doc.locate(['ethernets', 'eth0', 'gateway4']), { line: 3, column: 3 });
    assert.deepEqual(doc.locate(['ethernets', 'eth0', 'addresses', 7]), { line: 4, column: 5 });
  });
});

describe('syntax as PyYAML reads it', () => {
  test('block scalars: chomping, indentation indicators, folding', () => {
    assert.deepEqual(value('a: |\n  x\n  y\n\n'), { a: 'x\ny\n' });
    assert.deepEqual(value('a: |-\n  x\n\n'), { a: 'x' });
    assert.deepEqual(value('a: |+\n  x\n\n'), { a: 'x\n\n' });
    assert.deepEqual(value('a: >\n  folded\n  text\n\n  para\n'), { a: 'folded text\npara\n' });
    assert.deepEqual(value('a: >\n  a\n    more\n  b\n'), { a: 'a\n  more\nb\n' });
    assert.deepEqual(value('a: |2\n    lead\n  x\n'), { a: '  lead\nx\n' });
    assert.deepEqual(value('- |\n  in a list\n- >-\n  b\n'), ['in a list\n', 'b']);
  });
  test('quoted scalars: escapes and folding', () => {
    assert.deepEqual(value('a: "\\x41\\u263A\\U0001F600\\t\\n\\\\\\"\\/\\N\\_\\L\\P\\e\\0\\ "\n'), { a: 'A☺😀\t\n\\"/\x85\xa0\u2028\u2029\x1b\0 ' });
    assert.deepEqual(value('a: "fold\n  ed\n\n  para"\nb: "no \\\n  space"\n'), { a: 'fold ed\npara', b: 'no space' });
    assert.deepEqual(value("a: 'it''s'\n"), { a: "it's" });
  });
  test('plain scalars over several lines, comments, colons inside words', () => {
    assert.deepEqual(value('a: one\n  two\n\n  three # c\nb: http://x:80/p\nc: a#b\n'), { a: 'one two\nthree', b: 'http://x:80/p', c: 'a#b' });
  });
  test('flow collections, nested and over lines, with trailing commas', () => {
    assert.deepEqual(value('a: [1, [2, {b: c, d: [e]}], ]\nf: {g,\n  h: i,\n}\nj: [k: l]\n'), { a: [1, [2, { b: 'c', d: ['e'] }]], f: { g: null, h: 'i' }, j: [{ k: 'l' }] });
  });
  test('lists at their key\'s indentation and compact nested lists', () => {
    assert.deepEqual(value('a:\n- b\n- - c\n  - d\n- e: f\n  g: h\n'), { a: ['b', ['c', 'd'], { e: 'f', g: 'h' }] });
  });
  test('explicit keys with a single value', () => {
    assert.deepEqual(value('? a\n: b\n? c\n'), { a: 'b', c: null });
  });
  test('documents markers, directives, CRLF and a byte order mark', () => {
    assert.deepEqual(value('%YAML 1.1\n---\na: 1\n...\n'), { a: 1 });
    assert.deepEqual(value('\ufeffa: 1\r\nb:\r\n  - x\r\n'), { a: 1, b: ['x'] });
    // Columns count from after the byte order mark.
    assert.deepEqual(loadYaml('\ufeffa: 1\nb: [\n', 'x').diagnostics.map((d) => [d.line, d.column]), [[2, 4]]);
    assert.deepEqual(loadYaml('\ufeffa: [\n', 'x').diagnostics.map((d) => [d.line, d.column]), [[1, 4]]);
  });
  test('tags', () => {
    assert.deepEqual(value('a: !!str 123\nb: !!int "0x1F"\nc: !!float 1\nd: !!bool "yes"\ne: !!null x\nf: ! "12"\ng: !!python/unicode x\n'), {
      a: '123',
      b: 31,
      c: 1,
      d: true,
      e: null,
      f: 12,
      g: 'x',
    });
    // !!binary stays base64 text (values are JSON), normalised.
    assert.deepEqual(value('a: !!binary |\n  aGVs\n  bG8=\n'), { a: 'aGVsbG8=' });
    const r = loadYaml('a: !!set {x, y}\n', 'nc');
    assert.deepEqual(r.doc?.value, { a: { x: null, y: null } });
    assert.deepEqual(r.diagnostics.map(formatDiagnostic), ['nc line 1: warning: a: YAML: the tag !!set is not supported; the value is read as if it had no tag']);
  });
  test('a "<<" or "=" that is not a key is text', () => {
    assert.deepEqual(value('a: <<\nb: =\n=: c\n'), { a: '<<', b: '=', '=': 'c' });
  });
  test('merge keys: a list of mappings, where the first wins and the own keys win over all', () => {
    assert.deepEqual(value('a: &a {x: 1, y: 1}\nb: &b {x: 2, z: 2}\nc:\n  <<: [*a, *b]\n  y: 3\n'), {
      a: { x: 1, y: 1 },
      b: { x: 2, z: 2 },
      c: { x: 1, z: 2, y: 3 },
    });
  });
  test('keys named like JavaScript internals are ordinary keys', () => {
    const v = value('__proto__: {polluted: true}\nconstructor: x\ntoString: y\n') as Record<string, unknown>;
    assert.deepEqual(Object.keys(v), ['__proto__', 'constructor', 'toString']);
    assert.equal(Object.getPrototypeOf(v), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(v, '__proto__')?.value, { polluted: true });
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    // Also through a merge.
    const m = value('a: &a {__proto__: 1}\nb: {<<: *a}\n') as { b: Record<string, unknown> };
    assert.equal(Object.getOwnPropertyDescriptor(m.b, '__proto__')?.value, 1);
  });
  test('numbers: the hand-written recogniser agrees with the patterns it implements', () => {
    // The patterns of src/text/yaml/numbers.ts, as regular expressions.
    const INT = /^[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]+|0|[1-9][0-9_]*)$/;
    const FLOAT = /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
    const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?$/;
    const alphabet = ['0', '1', '7', '8', '9', '_', '.', 'e', 'E', '+', '-', 'x', 'b', 'a', 'F', 'inf', 'nan', 'NaN', 'o'];
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    for (let i = 0; i < 20000; i++) {
      let t = '';
      for (let n = 1 + rand(7); n > 0; n--) t += alphabet[rand(alphabet.length)];
      const expected = INT.test(t) ? 'int' : FLOAT.test(t) || JSON_NUMBER.test(t) ? 'float' : 'string';
      // In a flow list, every text of this alphabet is one plain scalar.
      const r = loadYaml(`[${t}]`, 'x');
      const v = r.doc === undefined ? undefined : (r.doc.value as unknown[])[0];
      // "0b_" and the like match a pattern but are not numbers PyYAML can convert: an error there too.
      const got = r.doc === undefined ? 'error' : typeof v === 'string' || v === null || typeof v === 'boolean' ? 'string' : Number.isInteger(v) && expected === 'int' ? 'int' : 'float';
      if (got === 'error') assert.equal(expected, 'int', t);
      else assert.equal(got, expected, t);
    }
  });
});

describe('more located errors', () => {
  test('aliases: undefined, recursive, anchors defined twice', () => {
    assert.match(errors('a: *nothing\n')[0]!, /^network-config line 1: not valid YAML: the alias \*nothing refers to no anchor/);
    assert.match(errors('a: &a [*a]\n')[0]!, /^network-config line 1: not valid YAML: the alias \*a is inside the value it names; recursive data cannot be loaded/);
    assert.match(errors('a: &x 1\nb: &x 2\n')[0]!, /^network-config line 2: not valid YAML: the anchor &x is defined twice \(first on line 1\)/);
  });
  test('merge keys take mappings only', () => {
    assert.match(errors('<<: 1\n')[0]!, /^network-config line 1: not valid YAML: a merge key "<<" takes a mapping or a list of mappings, not a single value/);
    assert.match(errors('a: &a 1\nb:\n  <<: [*a]\n')[0]!, /^network-config line 3: not valid YAML: a merge key "<<" takes a mapping or a list of mappings, but this list item is a single value/);
  });
  test('a list or a mapping as a key', () => {
    assert.match(errors('[a, b]: c\n')[0]!, /^network-config line 1: not valid YAML: a mapping key must be a single value/);
    assert.match(errors('? [a, b]\n: c\n')[0]!, /^network-config line 1: not valid YAML: a mapping key must be a single value/);
  });
  test('common mistakes get messages that say what to do', () => {
    assert.match(errors('a: b: c\n')[0]!, /line 1: not valid YAML: unexpected ":" .* must be quoted/);
    assert.match(errors('a: 1\nb\nc: 2\n')[0]!, /line 2: not valid YAML: expected ":" after "b"/);
    assert.match(errors('a:\n  - b\n  c: d\n')[0]!, /line 3: not valid YAML: expected another "- " item or the end of the list that starts on line 2, but found a key/);
    assert.match(errors('a: "x" y\n')[0]!, /line 1: not valid YAML: expected a new "key: value" line or the end of the mapping that starts on line 1/);
    assert.match(errors('a: [1, 2\n')[0]!, /line 1: not valid YAML: the list "\[" that starts here is not closed/);
    assert.match(errors('a: b\tc\n')[0]!, /line 1: not valid YAML: Tabs are not allowed between the parts of a line/);
    assert.match(errors('a: @x\n')[0]!, /line 1: not valid YAML: "@" is reserved in YAML/);
    assert.match(errors('a: "\\q"\n')[0]!, /line 1: not valid YAML: unknown escape \\q in a double-quoted string/);
    assert.match(errors('a: \u0007\n')[0]!, /line 1: not valid YAML: the character U\+0007 is not allowed/);
  });
  test('tags that do not fit the value', () => {
    assert.match(errors('a: !!int abc\n')[0]!, /line 1: not valid YAML: "abc" is not a valid integer/);
    assert.match(errors('a: !!map x\n')[0]!, /line 1: not valid YAML: !!map needs a mapping, not a single value/);
    assert.match(errors('a: !!str [1]\n')[0]!, /line 1: not valid YAML: the tag !!str cannot be applied to a list/);
    assert.match(errors('a: !!binary "not base64!"\n')[0]!, /line 1: not valid YAML: this !!binary value is not valid base64/);
  });
  test('deep nesting is refused as soon as it is seen, in linear time', () => {
    const started = Date.now();
    assert.match(errors('['.repeat(500000))[0]!, /^network-config line 1: not valid YAML: nested more than 64 levels deep/);
    assert.match(errors('a:\n' + Array.from({ length: 2000 }, (_, i) => `${' '.repeat(i + 1)}k${i}:`).join('\n'))[0]!, /nested more than 64 levels deep/);
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  });
  test('aliases cannot nest a document beyond the limit either', () => {
    const nest = (n: number, inner: string) => `${'['.repeat(n)}${inner}${']'.repeat(n)}`;
    assert.doesNotThrow(() => value(`a: &d ${nest(40, '')}\nb: ${nest(20, '*d')}\n`));
    assert.match(errors(`a: &d ${nest(40, '')}\nb: ${nest(30, '*d')}\n`)[0]!, /line 2: not valid YAML: nested more than 64 levels deep \(through the alias \*d\)/);
  });
});

describe('large inputs', () => {
  function networkDataJson(links: number, indent: number | undefined): string {
    const l = [];
    const n = [];
    for (let i = 0; i < links; i++) {
      const mac = `52:54:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}:01`;
      l.push({ id: `tap${i}`, type: 'phy', ethernet_mac_address: mac, mtu: 1500, vif_id: `8f7a9c2e-${i}-4b1e-9f0e-2c3d4e5f6a7b` });
      n.push({ id: `net${i}`, link: `tap${i}`, type: 'ipv4', ip_address: `10.${(i >> 8) & 255}.${i & 255}.5`, netmask: '255.255.255.0', routes: [{ network: '0.0.0.0', netmask: '0.0.0.0', gateway: '10.0.0.1' }] });
    }
    return JSON.stringify({ links: l, networks: n, services: [{ type: 'dns', address: '10.0.0.2' }] }, null, indent);
  }
  test('a 540 KB network_data.json loads quickly, pretty-printed or on one line', () => {
    for (const indent of [1, undefined]) {
      const text = networkDataJson(indent === undefined ? 1750 : 1300, indent);
      assert.ok(text.length > 500_000 && text.length < 600_000, String(text.length));
      const started = Date.now();
      const v = value(text);
      const took = Date.now() - started;
      assert.deepEqual(v, JSON.parse(text));
      // Well under 200 ms on a developer machine; the bound leaves room for slow CI.
      assert.ok(took < 3000, `took ${took} ms`);
    }
  });
});

describe('locate, through aliases and merges', () => {
  const doc = loadYaml('base: &b\n  mtu: 9000\n  dhcp4: true\neth0:\n  <<: *b\n  name: x\neth1: *b\n', 'nc').doc!;
  test('a merged key is located where the merged mapping defines it', () => {
    assert.deepEqual(doc.locate(['eth0', 'mtu']), { line: 2, column: 8 });
    assert.deepEqual(doc.locate(['eth0', 'name']), { line: 6, column: 9 });
  });
  test('a value that is an alias is located at the alias, and what is inside it where it is written', () => {
    assert.deepEqual(doc.locate(['eth1']), { line: 7, column: 7 });
    assert.deepEqual(doc.locate(['eth1', 'dhcp4']), { line: 3, column: 10 });
  });
});
