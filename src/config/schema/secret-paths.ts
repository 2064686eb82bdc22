/**
 * Where a cloud-config holds secrets: passwords (`password`, `chpasswd`,
 * `users[].passwd` / `plain_text_passwd` / `hashed_passwd`), tokens and
 * private keys. Schema messages go to the log and to status.json, which
 * everyone may read, so for a value at or below one of these keys they say
 * what type it has, never what it is (`users[0].passwd: must be a string, not
 * a number`: a password of digits is read by YAML as a number).
 */
import type { PathSegment } from '../../text/diagnostics.ts';

const SECRET_KEY = /^(chpasswd|password|passwd|plain_text_passwd|hashed_passwd|token|registration_key|activation-key|activation_key|validation_key|validation_cert|private_key|psk)$|_private$/;

export function isSecretPath(path: readonly PathSegment[]): boolean {
  return path.some((s) => typeof s === 'string' && SECRET_KEY.test(s));
}

/** A value's kind in a few words, for a message that must not show the value. */
export function kindOf(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'true or false';
  if (value instanceof Uint8Array) return 'binary data (!!binary)';
  return 'a mapping';
}
