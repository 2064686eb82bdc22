// Where the VM suite keeps its cache (base rootfs, images, runs) and small hashing helpers.
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const VM_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_DIR = join(VM_DIR, '..', '..');
export const CACHE_DIR = process.env['STRATUS_VM_CACHE'] ?? join(homedir(), '.cache', 'stratus-vm');
export const RUNS_DIR = join(CACHE_DIR, 'runs');

export function sha256(...parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) {
    h.update(p);
    h.update('\0');
  }
  return h.digest('hex');
}

export function fileText(path: string): string {
  return readFileSync(path, 'utf8');
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}
