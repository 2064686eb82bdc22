/**
 * The record of every file stratus wrote outside its own state directories
 * (/var/lib/cloud, /run/cloud-init), kept by apply, so `clean --configs`
 * removes exactly what stratus wrote (cloud-init guesses with globs and
 * misses .netdev, ifcfg-*, route-* and Debian's 50-cloud-init).
 */
import type { RootFs } from '../host/root-fs.ts';
import { paths } from './paths.ts';

/** What a file is for; `clean --configs <category>` selects by it. */
export type ManifestCategory = 'network' | 'ssh_config' | 'datasource' | 'fstab' | 'system';

export interface ManifestEntry {
  category: ManifestCategory;
  /** The stage that wrote it last: init-local, init, modules-config, modules-final. */
  stage: string;
  /** True when the file did not exist before stratus first wrote it. */
  created: boolean;
}

export interface Manifest {
  version: 1;
  /** Keyed by absolute target path. */
  files: Record<string, ManifestEntry>;
}

export const MANIFEST_VERSION = 1;

export function emptyManifest(): Manifest {
  return { version: MANIFEST_VERSION, files: {} };
}

/** The manifest on the target, or an empty one when it is missing or unreadable. */
export function readManifest(fs: RootFs): { manifest: Manifest; problem?: string } {
  const text = fs.readText(paths.manifestFile);
  if (text === null) return { manifest: emptyManifest() };
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v === 'object' && v !== null && (v as { version?: unknown }).version === MANIFEST_VERSION) {
      const files = (v as { files?: unknown }).files;
      if (typeof files === 'object' && files !== null && !Array.isArray(files)) {
        const out: Record<string, ManifestEntry> = {};
        for (const [path, e] of Object.entries(files as Record<string, unknown>)) {
          if (typeof e !== 'object' || e === null || !path.startsWith('/')) continue;
          const entry = e as Partial<ManifestEntry>;
          if (typeof entry.category !== 'string' || typeof entry.stage !== 'string') continue;
          out[path] = { category: entry.category, stage: entry.stage, created: entry.created === true };
        }
        return { manifest: { version: MANIFEST_VERSION, files: out } };
      }
    }
    return { manifest: emptyManifest(), problem: `${paths.manifestFile}: not a stratus manifest of version ${MANIFEST_VERSION}` };
  } catch (e) {
    return { manifest: emptyManifest(), problem: `${paths.manifestFile}: ${(e as Error).message}` };
  }
}

export function manifestText(m: Manifest): string {
  const files: Record<string, ManifestEntry> = {};
  for (const k of Object.keys(m.files).sort()) files[k] = m.files[k] as ManifestEntry;
  return `${JSON.stringify({ version: m.version, files }, null, 2)}\n`;
}
