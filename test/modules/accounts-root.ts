/**
 * Temporary target roots with the account files the shadow tools need
 * (root only), so useradd --root and chpasswd --root really run in tests.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const made: string[] = [];

/** Target path → [content, mode]: what the shadow tools need in a root. */
export const ACCOUNT_FILES: Readonly<Record<string, [string, number]>> = {
  '/etc/passwd': ['root:x:0:0:root:/root:/bin/bash\n', 0o644],
  '/etc/group': ['root:x:0:\n', 0o644],
  '/etc/shadow': ['root:*:20000:0:99999:7:::\n', 0o640],
  '/etc/gshadow': ['root:*::\n', 0o640],
  // What Debian's useradd reads; USERGROUPS_ENAB gives each user its own group.
  '/etc/login.defs': ['UID_MIN 1000\nUID_MAX 60000\nGID_MIN 1000\nGID_MAX 60000\nUSERGROUPS_ENAB yes\nENCRYPT_METHOD SHA512\nUMASK 022\n', 0o644],
  '/etc/default/useradd': ['SHELL=/bin/sh\n', 0o644],
  '/root/.keep': ['', 0o644],
};

/** A fresh root; `extra` files (target path → content) are added with mode 0644. */
export function accountsRoot(extra: Record<string, string> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'stratus-accounts-'));
  made.push(root);
  const all: Record<string, [string, number]> = { ...ACCOUNT_FILES, ...Object.fromEntries(Object.entries(extra).map(([p, c]) => [p, [c, 0o644] as [string, number]])) };
  for (const [path, [content, mode]] of Object.entries(all)) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
    chmodSync(full, mode);
  }
  chmodSync(join(root, 'root'), 0o700);
  return root;
}

export function cleanupAccountRoots(): void {
  for (const r of made.splice(0)) rmSync(r, { recursive: true, force: true });
}
