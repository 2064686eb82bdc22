/**
 * Network config input of any supported kind → NetworkState: netplan-style
 * YAML (v1 or v2), OpenStack network_data.json, Debian ENI text, or EC2's
 * metadata (`{mac, network, full?, fallbackInterface?}` as JSON, what the
 * Ec2 datasource hands on).
 */
import { hasErrors, type Diagnostic, type PathSegment } from '../text/diagnostics.ts';
import { isMapping, Reader } from '../text/reader.ts';
import { loadYaml } from '../text/yaml.ts';
import { ec2MetadataToV2 } from './convert/ec2.ts';
import { networkDataToV1 } from './convert/network-data.ts';
import { eniToV1 } from './parse/eni.ts';
import { parseNetworkConfig } from './parse/index.ts';
import type { NetworkState } from './state.ts';

export type InputKind = 'yaml' | 'network_data.json' | 'eni' | 'ec2';

export type InputResult =
  | {
      kind: 'state';
      state: NetworkState;
      diagnostics: Diagnostic[];
      /** The network config document the state came from: the input itself, or what network_data.json, ENI or EC2 metadata converted to. */
      document: unknown;
    }
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
    } else if (kind === 'ec2') {
      const r = new Reader(loaded.doc);
      const v = loaded.doc.value;
      const full = isMapping(v) && v['full'] === false ? false : true;
      const fallbackNic = isMapping(v) && typeof v['fallbackInterface'] === 'string' ? v['fallbackInterface'] : undefined;
      const out = ec2MetadataToV2(r, v, { knownMacs: opts.macToName, fullNetworkConfig: full, ...(fallbackNic ? { fallbackNic } : {}) });
      diagnostics.push(...r.diagnostics);
      if (!out.config && !r.failed && out.pending.length > 0) {
        // Every local NIC is still incomplete in IMDS: the warnings say why for each; a refusal still needs its error.
        const path = ['network', 'interfaces', 'macs'];
        diagnostics.push({ severity: 'error', source, path, ...(loaded.doc.locate(path) ?? {}), message: `no NIC can be configured yet: the metadata of ${out.pending.map((p) => p.name).join(', ')} is incomplete` });
      }
      if (!out.config || r.failed) return { kind: 'invalid', diagnostics };
      doc = { source: `${source} (converted to network config v2)`, value: out.config, locate: NOWHERE };
    }
  }
  const result = parseNetworkConfig(doc, { macToName: opts.macToName });
  diagnostics.push(...result.diagnostics);
  if (result.kind === 'state' && !hasErrors(diagnostics)) return { kind: 'state', state: result.state, diagnostics, document: doc.value };
  if (result.kind === 'disabled') return { kind: 'disabled', diagnostics };
  return { kind: 'invalid', diagnostics };
}
