/**
 * `#cloud-config-archive`: a YAML list whose items are parts, each a string
 * (its content) or a mapping with `content`, and optionally `type`,
 * `filename` and headers such as `Merge-Type`.
 */
import { formatDiagnostic } from '../text/diagnostics.ts';
import { isMapping } from '../text/reader.ts';
import { loadYaml } from '../text/yaml.ts';
import { hideContent } from './hide-content.ts';
import { sniffType } from './sniff.ts';
import type { Part } from './types.ts';

export function archiveParts(text: string, where: string): { parts: Part[]; warnings: string[] } {
  const warnings: string[] = [];
  const loaded = loadYaml(text, where);
  for (const d of loaded.diagnostics) warnings.push(hideContent(formatDiagnostic(d), text) + (d.severity === 'error' ? ' (the archive is ignored)' : ''));
  if (!loaded.doc) return { parts: [], warnings };
  const v = loaded.doc.value;
  if (!Array.isArray(v)) {
    warnings.push(`${where}: a #cloud-config-archive must be a list of parts; ignored`);
    return { parts: [], warnings };
  }
  const parts: Part[] = [];
  v.forEach((item, i) => {
    const at = loaded.doc?.locate([i]);
    const here = `${where}${at ? ` line ${at.line}` : ''}: item ${i + 1}`;
    let content: unknown = item;
    let type: string | null = null;
    let filename: string | null = null;
    let mergeType: string | null = null;
    if (isMapping(item)) {
      content = item['content'];
      if (typeof item['type'] === 'string') type = item['type'].trim().toLowerCase();
      if (typeof item['filename'] === 'string') filename = item['filename'];
      for (const k of Object.keys(item)) {
        const lk = k.toLowerCase();
        if ((lk === 'merge-type' || lk === 'x-merge-type' || lk === 'merge_type') && typeof item[k] === 'string') mergeType = item[k];
      }
    }
    if (content === undefined || content === null) content = '';
    if (typeof content !== 'string') {
      warnings.push(`${here}: content must be a string; the item is ignored`);
      return;
    }
    const payload = Buffer.from(content, 'utf8');
    parts.push({ type: type ?? sniffType(payload) ?? 'text/cloud-config', filename, mergeType, payload, via: 'archive' });
  });
  return { parts, warnings };
}
