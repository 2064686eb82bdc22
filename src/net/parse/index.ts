/**
 * Network configuration input → NetworkState, with every problem reported as
 * a located diagnostic. Accepts v1 and v2, a top-level `network:` wrapper, and
 * `config: disabled`.
 */
import { hasErrors, show, type Diagnostic, type PathSegment } from '../../text/diagnostics.ts';
import { isMapping, Reader } from '../../text/reader.ts';
import { loadYaml, type LocatedDocument } from '../../text/yaml.ts';
import type { NetworkState } from '../state.ts';
import { parseV1 } from './v1.ts';
import { parseV2, type V2Options } from './v2.ts';

export type ParseOptions = V2Options;

export type ParseResult =
  | { kind: 'state'; state: NetworkState; diagnostics: Diagnostic[] }
  | { kind: 'disabled'; diagnostics: Diagnostic[] }
  | { kind: 'invalid'; diagnostics: Diagnostic[] };

/** Parse an already loaded network config document. */
export function parseNetworkConfig(doc: Pick<LocatedDocument, 'source' | 'value' | 'locate'>, opts: ParseOptions = {}): ParseResult {
  const r = new Reader(doc);
  let root = doc.value;
  let path: PathSegment[] = [];
  if (root === null || root === undefined) {
    r.error([], 'the network config is empty');
    return { kind: 'invalid', diagnostics: r.diagnostics };
  }
  if (!isMapping(root)) {
    r.error([], `the network config must be a mapping, not ${show(root)}`);
    return { kind: 'invalid', diagnostics: r.diagnostics };
  }
  if ('network' in root) {
    if (Object.keys(root).length > 1) r.warn([], 'keys next to the top-level "network" key are ignored');
    const inner = r.mapping(root['network'], ['network']);
    if (!inner) return { kind: 'invalid', diagnostics: r.diagnostics };
    root = inner;
    path = ['network'];
  }
  const top = root as Record<string, unknown>;
  if (top['config'] === 'disabled') return { kind: 'disabled', diagnostics: r.diagnostics };
  const version = top['version'];
  let state: NetworkState | undefined;
  if (version === 1) state = parseV1(r, top, path);
  else if (version === 2) state = parseV2(r, top, path, opts);
  else if (version === undefined) r.error(path, 'the network config has no "version" key (add "version: 1" or "version: 2")');
  else if (typeof version === 'number') r.error([...path, 'version'], `unsupported network config version ${show(version)} (stratus reads versions 1 and 2)`);
  else r.error([...path, 'version'], `must be the number 1 or 2, not ${show(version)}${typeof version === 'string' ? ' (a string; write it without quotes)' : ''}`);
  if (!state || hasErrors(r.diagnostics)) return { kind: 'invalid', diagnostics: r.diagnostics };
  return { kind: 'state', state, diagnostics: r.diagnostics };
}

/** Load YAML (or JSON) text and parse it as network config. */
export function parseNetworkConfigText(text: string, source: string, opts: ParseOptions = {}): ParseResult {
  const loaded = loadYaml(text, source);
  if (!loaded.doc) return { kind: 'invalid', diagnostics: loaded.diagnostics };
  const result = parseNetworkConfig(loaded.doc, opts);
  return { ...result, diagnostics: [...loaded.diagnostics, ...result.diagnostics] } as ParseResult;
}
