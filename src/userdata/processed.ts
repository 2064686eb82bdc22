/**
 * Renderings of the processing result for the instance dir:
 * `user-data.txt.i` (the processed parts as one MIME message, as cloud-init
 * keeps it) and `cloud-config.txt` (the merged cloud-config with the names of
 * the parts it came from).
 */
import type { Mapping } from '../text/reader.ts';

export interface ProcessedPart {
  type: string;
  name: string;
  payload: Buffer;
}

/** Base64 never holds "-", so no encoded part can contain a line starting with this boundary. */
const BOUNDARY = '===============stratus-processed-user-data==';

function base64Lines(b: Buffer): string {
  const s = b.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < s.length; i += 76) lines.push(s.slice(i, i + 76));
  return lines.join('\n');
}

export function renderProcessedMime(parts: readonly ProcessedPart[]): Buffer {
  const out: string[] = [`Content-Type: multipart/mixed; boundary="${BOUNDARY}"`, 'MIME-Version: 1.0', `Number-Attachments: ${parts.length}`, ''];
  for (const p of parts) {
    const name = p.name.replace(/["\\\r\n]/g, '_');
    out.push(`--${BOUNDARY}`, `Content-Type: ${p.type}; charset="utf-8"`, 'MIME-Version: 1.0', 'Content-Transfer-Encoding: base64', `Content-Disposition: attachment; filename="${name}"`, '', base64Lines(p.payload));
  }
  out.push(`--${BOUNDARY}--`, '');
  return Buffer.from(out.join('\n'), 'utf8');
}

/** cloud-config.txt: "#cloud-config", the parts merged, then the document (JSON, which YAML readers read). */
export function renderCloudConfigFile(cfg: Mapping | null, partNames: readonly string[]): string {
  if (cfg === null) return '';
  const from = partNames.length ? [`# from ${partNames.length} files`, ...partNames.map((n) => `# ${n.replace(/[\r\n\t]/g, ' ')}`), ''] : [];
  return ['#cloud-config', '', ...from, JSON.stringify(cfg, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v), 1), ''].join('\n');
}
