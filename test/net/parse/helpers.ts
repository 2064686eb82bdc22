/** Shared by the parser tests: parse text and insist on a state, or on errors. */
import assert from 'node:assert/strict';
import { parseNetworkConfigText, type ParseOptions, type ParseResult } from '../../../src/net/parse/index.ts';
import { findInterface, type Interface, type NetworkState, type Subnet } from '../../../src/net/state.ts';
import { formatDiagnostic } from '../../../src/text/diagnostics.ts';

export function parse(text: string, opts: ParseOptions = {}): ParseResult {
  return parseNetworkConfigText(text, 'network-config', opts);
}

/** The state of a config that must be valid; warnings are allowed and returned. */
export function stateOf(text: string, opts: ParseOptions = {}): NetworkState & { warnings: string[] } {
  const r = parse(text, opts);
  const messages = r.diagnostics.map(formatDiagnostic);
  assert.equal(r.kind, 'state', `expected a valid config, got:\n${messages.join('\n')}`);
  if (r.kind !== 'state') throw new Error('unreachable');
  return Object.assign(r.state, { warnings: messages });
}

/** Formatted errors of a config that must be invalid. */
export function errorsOf(text: string, opts: ParseOptions = {}): string[] {
  const r = parse(text, opts);
  assert.equal(r.kind, 'invalid', `expected an invalid config, got ${r.kind}`);
  return r.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
}

export function iface(state: NetworkState, name: string): Interface {
  const i = findInterface(state, name);
  assert.ok(i, `no interface ${name} in ${state.interfaces.map((x) => x.name).join(', ')}`);
  return i;
}

/** A subnet with the empty defaults filled in, for deepEqual. */
export function subnet(s: Partial<Subnet> & Pick<Subnet, 'type'>): Subnet {
  return { dnsNameservers: [], dnsSearch: [], routes: [], ...s };
}
