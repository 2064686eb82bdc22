/**
 * SSH public keys as the console modules need them: lines of
 * authorized_keys and *.pub files parsed (options, type, blob, comment),
 * and fingerprints in OpenSSH's "SHA256:base64" form and cloud-init's
 * colon-separated hex form. Hashing is passed in so callers load
 * node:crypto only when they have keys to hash.
 */

export type HashFn = (algorithm: string, data: Buffer) => Buffer;

export interface PublicKey {
  options: string;
  type: string;
  base64: string;
  blob: Buffer;
  comment: string;
}

const KEY_TYPES = new Set([
  'ssh-rsa', 'ssh-dss', 'ssh-ed25519', 'ssh-ed448',
  'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521',
  'sk-ecdsa-sha2-nistp256@openssh.com', 'sk-ssh-ed25519@openssh.com',
  'rsa-sha2-256', 'rsa-sha2-512',
]);

export function isKeyType(t: string): boolean {
  return KEY_TYPES.has(t) || (t.endsWith('-cert-v01@openssh.com') && KEY_TYPES.has(t.replace('-cert-v01@openssh.com', '')));
}

/** Split off the options field of an authorized_keys line: it ends at the first blank outside double quotes. */
function splitOptions(line: string): [string, string] {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if ((c === ' ' || c === '\t') && !quoted) return [line.slice(0, i), line.slice(i).trimStart()];
  }
  return [line, ''];
}

/** One key line, or null for blanks, comments and lines that hold no key. */
export function parseKeyLine(raw: string): PublicKey | null {
  const line = raw.trim();
  if (line === '' || line.startsWith('#')) return null;
  let options = '';
  let rest = line;
  const first = line.split(/\s+/)[0] ?? '';
  if (!isKeyType(first)) [options, rest] = splitOptions(line);
  const [type, b64, ...comment] = rest.split(/\s+/);
  if (!type || !b64 || !isKeyType(type) || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return null;
  const blob = Buffer.from(b64, 'base64');
  if (blob.length < 4) return null;
  return { options, type, base64: b64, blob, comment: comment.join(' ') };
}

export function parseKeys(text: string): PublicKey[] {
  return text.split('\n').map(parseKeyLine).filter((k): k is PublicKey => k !== null);
}

/** OpenSSH's fingerprint: "SHA256:" and the unpadded base64 of the blob's digest. */
export function opensshFingerprint(blob: Buffer, hash: HashFn): string {
  return `SHA256:${hash('sha256', blob).toString('base64').replace(/=+$/, '')}`;
}

/** cloud-init's authorized-key fingerprint: the digest in hex, two digits per colon-separated group. */
export function hexFingerprint(blob: Buffer, algorithm: string, hash: HashFn): string {
  return (hash(algorithm, blob).toString('hex').match(/../g) ?? []).join(':');
}

/** The SSH wire format's length-prefixed fields of a blob. */
function fields(blob: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at + 4 <= blob.length) {
    const n = blob.readUInt32BE(at);
    if (at + 4 + n > blob.length) break;
    out.push(blob.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  return out;
}

function mpintBits(b: Buffer | undefined): number {
  if (!b) return 0;
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  if (i === b.length) return 0;
  return (b.length - i - 1) * 8 + (b[i] as number).toString(2).length;
}

/** Key size in bits and the label ssh-keygen -l prints, e.g. [3072, "RSA"]. */
export function keySize(k: PublicKey): [number, string] {
  const f = fields(k.blob);
  const base = k.type.replace('-cert-v01@openssh.com', '');
  if (base === 'ssh-rsa' || base.startsWith('rsa-sha2')) return [mpintBits(f[2]), 'RSA'];
  if (base === 'ssh-dss') return [mpintBits(f[1]), 'DSA'];
  if (base === 'ssh-ed25519') return [256, 'ED25519'];
  if (base === 'ssh-ed448') return [456, 'ED448'];
  if (base === 'sk-ssh-ed25519@openssh.com') return [256, 'ED25519-SK'];
  const curve = /nistp(\d+)/.exec(base)?.[1];
  return [Number(curve ?? 0), base.startsWith('sk-') ? 'ECDSA-SK' : 'ECDSA'];
}
