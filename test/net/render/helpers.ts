/** Shared by the renderer tests: a valid network config's state. */
import assert from 'node:assert/strict';
import { readNetworkInput } from '../../../src/net/input.ts';
import type { NetworkState } from '../../../src/net/state.ts';
import { formatDiagnostic } from '../../../src/text/diagnostics.ts';

/** The state of a YAML network config that must be valid (the test fails with the messages otherwise). */
export function stateOf(yaml: string): NetworkState {
  const r = readNetworkInput(yaml, 'network-config', 'yaml');
  if (r.kind !== 'state') assert.fail(r.diagnostics.map(formatDiagnostic).join('\n'));
  return r.state;
}
