/**
 * A throwaway target root for tests: a mkdtemp directory filled with files
 * given by target path, read and written through the real DiskRoot.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DiskRoot } from '../../src/host/root-fs.ts';

export interface TempRoot {
  dir: string;
  fs: DiskRoot;
  /** Add a file (content string) or, with `{ link }`, a symbolic link. */
  add(path: string, content: string | { link: string }): void;
  dispose(): void;
}

export function tempRoot(files: Record<string, string> = {}, label = 'config'): TempRoot {
  const dir = mkdtempSync(join(tmpdir(), `stratus-${label}-`));
  const add = (path: string, content: string | { link: string }): void => {
    const host = join(dir, path);
    mkdirSync(dirname(host), { recursive: true });
    if (typeof content === 'string') writeFileSync(host, content);
    else symlinkSync(content.link, host);
  };
  for (const [path, content] of Object.entries(files)) add(path, content);
  return { dir, fs: new DiskRoot(dir), add, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
