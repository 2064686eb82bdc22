/**
 * How reports are shown: sections, and --annotate's markers and legend.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { annotate, describeDiagnostic, formatSections } from '../../src/config/schema/format.ts';
import type { SchemaReport } from '../../src/config/schema/validate.ts';
import type { Diagnostic } from '../../src/text/diagnostics.ts';

const d = (over: Partial<Diagnostic>): Diagnostic => ({ severity: 'error', source: 'u', path: [], message: 'm', ...over });
const empty = (): SchemaReport => ({ errors: [], deprecations: [], warnings: [] });

test('a clean report: no sections, the text unchanged', () => {
  assert.equal(formatSections(empty(), 'u'), '');
  assert.equal(annotate('#cloud-config\na: 1\n', empty(), 'u'), '#cloud-config\na: 1\n');
  assert.equal(annotate('#cloud-config\na: 1', empty(), 'u'), '#cloud-config\na: 1\n');
});

test('describeDiagnostic: position, path, and the file when it is not the one being shown', () => {
  assert.equal(describeDiagnostic(d({ line: 3, column: 5, path: ['a', 0] }), 'u'), 'line 3, column 5: a[0]: m');
  assert.equal(describeDiagnostic(d({ line: 3 }), 'u'), 'line 3: m');
  assert.equal(describeDiagnostic(d({ source: '/etc/cloud/cloud.cfg', line: 2, column: 1, path: ['k'] }), 'u'), '/etc/cloud/cloud.cfg line 2, column 1: k: m');
  assert.equal(describeDiagnostic(d({ path: ['k'] }), 'u'), 'k: m');
});

test('annotate: several markers on one line, CRLF text, problems without a line in the legend only', () => {
  const report: SchemaReport = {
    errors: [d({ line: 2, column: 4, path: ['a'], message: 'bad' }), d({ path: [], message: 'no place' })],
    deprecations: [d({ severity: 'warning', line: 2, column: 1, path: ['a'], message: 'old' })],
    warnings: [d({ severity: 'warning', line: 9, path: ['z'], message: 'past the end' })],
  };
  assert.equal(
    annotate('#cloud-config\r\na: 1\r\n', report, 'u'),
    '#cloud-config\r\na: 1\t\t# E1, D1\n\n' +
      '# Errors: -------------\n# E1: a: bad\n# E2: no place\n' +
      '# Deprecations: -------------\n# D1: a: old\n' +
      '# Warnings: -------------\n# W1: line 9: z: past the end\n',
  );
});
