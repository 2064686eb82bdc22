/** Name-based (SHA-1, version 5) UUIDs, RFC 4122 section 4.3. */
import { sha1 } from '../../../text/sha1.ts';

/** The namespace cloud-init derives every connection UUID from. */
export const CLOUD_INIT_NM_NAMESPACE = 'a3924cb8-09e0-43e9-890b-77972a800108';

export function uuid5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new Error(`not a UUID: ${namespace}`);
  const digest = sha1(Buffer.concat([ns, Buffer.from(name, 'utf8')]));
  const b = Buffer.from(digest.subarray(0, 16));
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
