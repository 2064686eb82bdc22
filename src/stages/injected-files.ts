/**
 * Files the platform injects into a new instance (OpenStack `files`):
 * written once, by the stage whose crawl made the instance current, after
 * the datasource was chosen (cloud-init writes them before, even for a
 * drive it then does not use). Paths were checked by the datasource; links
 * on the way are followed inside the target. Mode 0600: the content may be
 * a secret, and the platform says nothing about who may read it.
 */
import { resolveInRoot } from '../host/rooted-path.ts';
import type { InjectedFile } from '../sources/types.ts';
import type { StageContext } from './context.ts';

export const INJECTED_FILE_MODE = 0o600;

export function writeInjectedFiles(ctx: StageContext, files: readonly InjectedFile[]): void {
  for (const f of files) {
    const path = resolveInRoot(ctx.fs, f.path);
    if (path === null) {
      ctx.log.error(`injected file ${f.path}: the links on its path loop; not written`);
      continue;
    }
    const kind = ctx.fs.kind(path);
    if (kind !== null && kind !== 'file') {
      ctx.log.error(`injected file ${f.path}: ${path} exists and is not a regular file; not written`);
      continue;
    }
    ctx.fs.writeFiles([{ path, content: f.content, mode: INJECTED_FILE_MODE }]);
    ctx.log.info(`injected file ${f.path}: wrote ${f.content.length} bytes, mode 0600${path !== f.path ? ` (through links: ${path})` : ''}`);
  }
}
