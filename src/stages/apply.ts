/**
 * The effects on the target's configuration: write a set of files atomically
 * (all or none), record each in the manifest, and, when a set replaces an
 * earlier one (a new network config), remove the files of the earlier set
 * that the new one no longer has — a NIC that went away leaves no stale
 * profile behind.
 */
import type { FileWrite } from '../host/root-fs.ts';
import type { StageContext } from './context.ts';
import { manifestText, readManifest, type ManifestCategory } from './manifest.ts';
import { paths } from './paths.ts';

export interface ApplyOptions {
  category: ManifestCategory;
  /** Remove files of this category written earlier that are not in `files`. */
  replaceCategory?: boolean;
}

/**
 * Returns the paths whose content changed: new or different files, and the
 * files of an earlier set removed now (a removal is a change the network
 * service must hear of too). Throws when the files cannot be written
 * (nothing is replaced then).
 */
export function applyFiles(ctx: StageContext, files: readonly FileWrite[], opts: ApplyOptions): string[] {
  const { manifest, problem } = readManifest(ctx.fs);
  if (problem) ctx.log.warn(`${problem}; starting a new manifest`);
  const targets = files.map((f) => ({ ...f, path: f.path.startsWith('/') ? f.path : `/${f.path}` }));
  const created = new Map(targets.map((f) => [f.path, ctx.fs.kind(f.path) === null]));
  const changed = targets.filter((f) => !ctx.fs.readFile(f.path)?.equals(Buffer.from(f.content))).map((f) => f.path);
  for (const f of targets) {
    const before = manifest.files[f.path];
    manifest.files[f.path] = { category: opts.category, stage: ctx.stage, created: before ? before.created : (created.get(f.path) ?? false) };
  }
  // The manifest before the files: a run killed after writing them and before recording them left
  // files `clean` did not know, and the next run took them for the system's own (created: false).
  ctx.fs.writeFiles([{ path: paths.manifestFile, content: manifestText(manifest), mode: 0o644 }]);
  ctx.fs.writeFiles(targets);
  const keep = new Set(targets.map((f) => f.path));
  if (opts.replaceCategory) {
    for (const [path, entry] of Object.entries(manifest.files)) {
      if (entry.category !== opts.category || keep.has(path)) continue;
      if (ctx.fs.remove(path)) {
        ctx.log.info(`removed ${path}: the new ${opts.category} config no longer has it`);
        changed.push(path);
      }
      delete manifest.files[path];
    }
  }
  // Again without the removed files (nothing is written when none was removed).
  ctx.fs.writeFiles([{ path: paths.manifestFile, content: manifestText(manifest), mode: 0o644 }]);
  return changed;
}
