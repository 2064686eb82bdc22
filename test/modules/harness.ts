/**
 * Runs one config module against a temporary target root, the way a stage
 * does: a real DiskRoot, the stage's log and command record, a crawled
 * instance. Tests then look at the files under the root, the commands the
 * module ran or would have run (`commands`), and the log.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DiskRoot } from '../../src/host/root-fs.ts';
import type { ConfigModule } from '../../src/modules/types.ts';
import type { Crawled } from '../../src/sources/types.ts';
import { makeStageContext, type StageContext, type StageName } from '../../src/stages/context.ts';
import type { Mapping } from '../../src/text/reader.ts';

export interface ModuleRun {
  root: string;
  ctx: StageContext;
  /** The module's error, if it threw. */
  error?: Error;
  read(path: string): string;
  exists(path: string): boolean;
  mode(path: string): number;
  /** Commands as "argv joined by spaces", run or not. */
  commands: string[];
  logText: string;
}

export function instance(over: Partial<Crawled> = {}): Crawled {
  return {
    dsname: 'NoCloud',
    instanceId: 'iid-test',
    platform: 'nocloud',
    subplatform: 'seed-dir (/var/lib/cloud/seed/nocloud)',
    cloudName: 'nocloud',
    dsmode: 'net',
    metaData: { 'instance-id': 'iid-test', 'local-hostname': 'test-host' },
    userData: null,
    vendorData: null,
    vendorData2: null,
    networkConfig: null,
    config: {},
    ...over,
  };
}

export interface RunOptions {
  /** Files to put on the target first (target path → content). */
  files?: Record<string, string>;
  instance?: Crawled;
  distro?: string;
  isNewInstance?: boolean;
  stage?: StageName;
  args?: unknown[];
  /** An existing root to run in again (a second boot); made fresh when absent. */
  root?: string;
}

const roots: string[] = [];

/** Remove every root made by runModule (call from `after`). */
export function cleanupRoots(): void {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
}

export async function runModule(mod: ConfigModule, cfg: Mapping, opts: RunOptions = {}): Promise<ModuleRun> {
  const root = opts.root ?? mkdtempSync(join(tmpdir(), 'stratus-module-'));
  if (!opts.root) roots.push(root);
  for (const [path, content] of Object.entries(opts.files ?? {})) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
  const ctx = makeStageContext(opts.stage ?? 'init', new DiskRoot(root), { root, debug: false, force: false, files: [], dryRun: false });
  let error: Error | undefined;
  try {
    await mod.run({ ctx, cfg, instance: opts.instance ?? instance(), isNewInstance: opts.isNewInstance ?? true, distro: opts.distro ?? 'debian', args: opts.args ?? [] });
  } catch (e) {
    error = e as Error;
  }
  const at = (p: string) => join(root, p.replace(/^\/+/, ''));
  return {
    root,
    ctx,
    ...(error ? { error } : {}),
    read: (p) => readFileSync(at(p), 'utf8'),
    exists: (p) => statSync(at(p), { throwIfNoEntry: false }) !== undefined,
    mode: (p) => statSync(at(p)).mode & 0o7777,
    commands: ctx.commands.map((c) => c.argv.join(' ')),
    logText: ctx.log.records.map((r) => `${r.level}: ${r.message}`).join('\n'),
  };
}
