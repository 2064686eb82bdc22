/**
 * User-data and vendor-data into what the stages use: a cloud-config
 * mapping and scripts. This first version knows the two formats nearly
 * every user-data is in — `#cloud-config` and a `#!` script — optionally
 * gzip-compressed; anything else is reported as not handled yet (MIME
 * multipart, includes, boothooks and templates arrive with the user-data
 * work). A broken part is a warning: it never stops a boot.
 */
import { zlib } from '../host/builtin.ts';
import { formatDiagnostic } from '../text/diagnostics.ts';
import { isMapping, type Mapping } from '../text/reader.ts';
import { loadYaml } from '../text/yaml.ts';

export interface ProcessedUserData {
  cloudConfig: Mapping | null;
  scripts: { name: string; content: Buffer }[];
  warnings: string[];
}

/** Decompressed user-data is limited, so a small gzip bomb cannot exhaust memory. */
const MAX_DECOMPRESSED = 64 * 1024 * 1024;

export function processUserData(data: Buffer | null, source: string): ProcessedUserData {
  const out: ProcessedUserData = { cloudConfig: null, scripts: [], warnings: [] };
  if (data === null || data.length === 0) return out;
  let bytes = data;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = zlib().gunzipSync(bytes, { maxOutputLength: MAX_DECOMPRESSED });
    } catch (e) {
      out.warnings.push(`${source}: gzip data that cannot be decompressed (${(e as Error).message}); ignored`);
      return out;
    }
  }
  const head = bytes.subarray(0, 64).toString('utf8');
  if (/^#cloud-config\s*(\r?\n|$)/.test(head)) {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      out.warnings.push(`${source}: #cloud-config that is not UTF-8 text; ignored`);
      return out;
    }
    const loaded = loadYaml(text, source);
    for (const d of loaded.diagnostics) out.warnings.push(`${formatDiagnostic(d)}${d.severity === 'error' ? ' (the cloud-config is ignored)' : ''}`);
    if (!loaded.doc) return out;
    const v = loaded.doc.value;
    if (v === null || v === undefined) return out;
    if (!isMapping(v)) {
      out.warnings.push(`${source}: #cloud-config must be a mapping of module keys (such as "hostname: web1"); ignored`);
      return out;
    }
    out.cloudConfig = v;
    return out;
  }
  if (head.startsWith('#!')) {
    out.scripts.push({ name: 'part-001', content: bytes });
    return out;
  }
  // The content itself is never quoted: user-data may hold secrets.
  out.warnings.push(`${source}: ${bytes.length} bytes of a type this version of stratus does not handle (it handles #cloud-config and #! scripts); ignored`);
  return out;
}
