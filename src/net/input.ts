/**
 * Network config input of any supported kind → NetworkState: netplan-style
 * YAML (v1 or v2), OpenStack network_data.json, or Debian ENI text.
 */
import { hasErrors, type Diagnostic, type PathSegment } from '../text/diagnostics.ts';
import { Reader } from '../text/reader.ts';
import { loadYaml } from '../text/yaml.ts';
import { networkDataToV1 } from './convert/network-data.ts';
import { eniToV1 } from './parse/eni.ts';
import { parseNetworkConfig } from './parse/index.ts';
import type { NetworkState } from './state.ts';

export type InputKind = 'yaml' | 'network_data.json' | 'eni';

export type InputResult =
  | { kind: 'state'; state: NetworkState; diagnostics: Diagnostic[] }
  | { kind: 'disabled'; diagnostics: Diagnostic[] }
  | { kind: 'invalid'; diagnostics: Diagnostic[] };

export interface InputOptions {
  /** Lower-case MAC → local interface name. */
  macToName?: ReadonlyMap<string, string>;
}

const NOWHERE = (): undefined => undefined;

export function readNetworkInput(text: string, source: string, kind: InputKind, opts: InputOptions = {}): InputResult {
  const diagnostics: Diagnostic[] = [];
  let doc: { source: string; value: unknown; locate: (p: readonly PathSegment[]) => { line: number; column: number } | undefined };
  if (kind === 'eni') {
    const r = new Reader({ source, locate: NOWHERE });
    const v1 = eniToV1(r, text);
    diagnostics.push(...r.diagnostics);
    if (!v1 || r.failed) return { kind: 'invalid', diagnostics };
    doc = { source, value: v1, locate: NOWHERE };
  } else {
    const loaded = loadYaml(text, source);
    diagnostics.push(...loaded.diagnostics);
    if (!loaded.doc) return { kind: 'invalid', diagnostics };
    doc = loaded.doc;
    if (kind === 'network_data.json') {
      const r = new Reader(loaded.doc);
      const v1 = networkDataToV1(r, loaded.doc.value, { knownMacs: opts.macToName });
      diagnostics.push(...r.diagnostics);
      if (!v1 || r.failed) return { kind: 'invalid', diagnostics };
      // Problems found after conversion are reported against the converted config.
      doc = { source: `${source} (converted to network config v1)`, value: v1, locate: NOWHERE };
    }
  }
  const result = parseNetworkConfig(doc, { macToName: opts.macToName });
  diagnostics.push(...result.diagnostics);
  if (result.kind === 'state' && !hasErrors(diagnostics)) return { kind: 'state', state: result.state, diagnostics };
  if (result.kind === 'disabled') return { kind: 'disabled', diagnostics };
  return { kind: 'invalid', diagnostics };
}
