/**
 * Conformance with cloud-init's own renderer fixtures (../shared/conformance):
 * for each renderer at least 90% of the cases cloud-init itself passes must
 * pass. Every remaining difference is listed in docs/differences.md.
 * The ec2 group (metadata → v2, no renderer) must pass in full.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { CONFORMANCE_DIR, runConformance, runEc2Conformance, tally } from './conformance/run.ts';

const REQUIRED = 0.9;

test('renderer conformance with cloud-init fixtures', { skip: !existsSync(CONFORMANCE_DIR) && 'conformance data not found at ../shared/conformance' }, (t) => {
  const results = runConformance();
  const tallies = tally(results);
  const lines = tallies.map(
    (x) => `${x.label.padEnd(20)} ${String(x.passed).padStart(3)}/${String(x.upstreamPassed).padEnd(3)} (${((100 * x.passed) / x.upstreamPassed).toFixed(1)}%) of cases cloud-init passes; ${x.extraPassed}/${x.extraTotal} of the others`,
  );
  t.diagnostic('per-renderer conformance:');
  for (const l of lines) t.diagnostic(l);
  console.log(['conformance (stratus passes / cloud-init passes):', ...lines].join('\n'));
  for (const x of tallies) {
    const failing = results.filter((r) => r.label === x.label && r.upstream === 'passed' && !r.ok).map((r) => `  ${r.caseName}: ${r.detail}`);
    assert.ok(x.passed >= Math.ceil(REQUIRED * x.upstreamPassed), `${x.label}: ${x.passed}/${x.upstreamPassed} is below 90%; failing:\n${failing.join('\n')}`);
  }
});

// The ec2 group converts metadata to a v2 document; every case must pass, a
// few against stratus's documented value (docs/differences.md, "EC2 metadata network config").
test('ec2 metadata conversion conformance with cloud-init fixtures', { skip: !existsSync(CONFORMANCE_DIR) && 'conformance data not found at ../shared/conformance' }, (t) => {
  const results = runEc2Conformance();
  const adjusted = results.filter((r) => r.difference !== undefined);
  const line = `ec2 (metadata → v2)  ${results.filter((r) => r.ok).length}/${results.length} cases; ${adjusted.length} compared with a documented difference`;
  t.diagnostic(line);
  console.log(line);
  const failing = results.filter((r) => !r.ok).map((r) => `  ${r.caseName}: ${r.detail}`);
  assert.equal(results.length, 13, 'the fixture set has 13 ec2 cases');
  assert.deepEqual(failing, []);
});
