/**
 * The bad-input catalogue (issue 12): hundreds of malformed and hostile
 * inputs across every parser and datasource, each with its expected outcome
 * stated in its table (test/hardening/catalogue/*.ts). Pure parsers are
 * called in-process; datasource and stage rows boot the real built CLI into
 * temporary target roots (catalogue/stage.ts).
 *
 * For every row, besides its own expectation: the input never throws out of
 * the code under test, no message carries a stack trace, a refused input
 * produces no value, and an accepted one raises no error it did not expect.
 *
 * CATALOGUE_DUMP=1 prints every row's outcome (to review the wording).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { AREAS, disposeAreas } from './catalogue/index.ts';
import type { BoundRow, Outcome } from './catalogue/row.ts';

after(() => disposeAreas());

const MIN_ROWS = 300;

describe('bad-input catalogue: the table itself', () => {
  test(`at least ${MIN_ROWS} rows, with distinct names and distinct inputs; the count per area`, () => {
    const rows = AREAS.flat();
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(r.area, (counts.get(r.area) ?? 0) + 1);
    const table = [...counts].map(([area, n]) => `  ${area.padEnd(16)} ${String(n).padStart(4)}`).join('\n');
    process.stdout.write(`bad-input catalogue: ${rows.length} rows\n${table}\n`);
    assert.ok(rows.length >= MIN_ROWS, `${rows.length} rows, fewer than ${MIN_ROWS}`);
    const dupName = rows.map((r) => `${r.area}: ${r.name}`).filter((n, i, all) => all.indexOf(n) !== i);
    assert.deepEqual(dupName, [], 'row names repeat');
    const seen = new Map<string, string>();
    for (const r of rows) {
      const other = seen.get(r.key);
      assert.equal(other, undefined, `rows "${other}" and "${r.area}: ${r.name}" have the same input`);
      seen.set(r.key, `${r.area}: ${r.name}`);
    }
  });
});

/** Control characters escaped, so a hostile byte in a message cannot upset the test report itself. */
function visible(l: string): string {
  return l.replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, (c) => `<U+${c.charCodeAt(0).toString(16).padStart(4, '0')}>`);
}

function show(o: Outcome<unknown>): string {
  const list = (ls: readonly string[]) => ls.map((l) => `  ${visible(l.length > 400 ? `${l.slice(0, 400)}…` : l)}`).join('\n') || '  (none)';
  return `errors:\n${list(o.errors.slice(0, 20))}\nwarnings:\n${list(o.warnings.slice(0, 20))}`;
}

function hasLine(lines: readonly string[], start: string): boolean {
  return lines.some((l) => l.startsWith(start));
}

async function check(row: BoundRow): Promise<void> {
  let o: Outcome<unknown>;
  try {
    o = await row.run();
  } catch (e) {
    assert.fail(`the input escaped as an exception: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }
  if (process.env['CATALOGUE_DUMP']) process.stdout.write(`\n## ${row.area}: ${row.name}\n${show(o)}\n`);
  for (const l of [...o.errors, ...o.warnings]) {
    assert.doesNotMatch(l, /\n\s+at |internal error/, `a stack trace in a message:\n${visible(l)}`);
    // A message is one line of text in the log: a hostile value is shown escaped, never raw.
    assert.doesNotMatch(l, /[\u0000-\u0009\u000b-\u001f\u007f]/, `a raw control character in a message:\n${visible(l)}`);
  }
  const e = row.expect;
  if ('rejected' in e) {
    assert.ok(hasLine(o.errors, e.rejected), `expected an error line starting with\n  ${e.rejected}\n${show(o)}`);
    assert.equal(o.value, undefined, 'a refused input must produce nothing');
    for (const w of e.alsoWarns ?? []) assert.ok(hasLine(o.warnings, w), `expected a warning starting with\n  ${w}\n${show(o)}`);
    return;
  }
  for (const w of e.warns ?? []) assert.ok(hasLine(o.warnings, w), `expected a warning starting with\n  ${w}\n${show(o)}`);
  for (const x of e.errs ?? []) assert.ok(hasLine(o.errors, x), `expected an error starting with\n  ${x}\n${show(o)}`);
  if (!e.errs) assert.deepEqual(o.errors, [], `accepted, so no error was expected\n${show(o)}`);
  assert.notEqual(o.value, undefined, `accepted, so a value was expected\n${show(o)}`);
  e.accepted(o.value);
}

for (const rows of AREAS) {
  const area = rows[0]?.area ?? '?';
  // Hang guard, not a speed bound: one input that loops forever must fail its row, not stall the file.
  describe(`bad-input catalogue: ${area}`, { timeout: 240_000 }, () => {
    for (const row of rows) test(row.name, { timeout: 120_000 }, () => check(row));
  });
}
