/**
 * The type of a part from the first bytes of its content, as cloud-init
 * decides it: a case-insensitive prefix after leading whitespace, the
 * longest matching prefix winning (`#include-once` over `#include`).
 */
const PREFIXES: readonly [string, string][] = [
  ['#include-once', 'text/x-include-once-url'],
  ['#include', 'text/x-include-url'],
  ['#cloud-config-archive', 'text/cloud-config-archive'],
  ['#cloud-config-jsonp', 'text/cloud-config-jsonp'],
  ['#cloud-config', 'text/cloud-config'],
  ['#cloud-boothook', 'text/cloud-boothook'],
  ['#part-handler', 'text/part-handler'],
  ['## template: jinja', 'text/jinja2'],
  ['#!', 'text/x-shellscript'],
];

/** Types whose real type is read from the content (a MIME part labelled text/plain is usually a #cloud-config). */
export const SNIFFED_TYPES = new Set(['text/plain', 'text/x-not-multipart', 'text/x-shellscript']);

export function sniffType(payload: Buffer): string | null {
  let start = 0;
  while (start < payload.length && start < 4096 && (payload[start] === 0x20 || payload[start] === 0x09 || payload[start] === 0x0a || payload[start] === 0x0d)) start++;
  const head = payload.subarray(start, start + 32).toString('latin1').toLowerCase();
  for (const [prefix, type] of PREFIXES) {
    if (prefix === '## template: jinja' ? /^##\s*template:\s*jinja/.test(head) : head.startsWith(prefix)) return type;
  }
  return null;
}

/** MIME types cloud-init treats as gzip-compressed content. */
export const GZIP_TYPES = new Set([
  'application/gzip',
  'application/gzip-compressed',
  'application/gzipped',
  'application/x-compress',
  'application/x-compressed',
  'application/x-gunzip',
  'application/x-gzip',
  'application/x-gzip-compressed',
]);

export function isGzip(b: Buffer): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}
