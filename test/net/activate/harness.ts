/**
 * A temp target root with the binaries an activator looks for, and an
 * activation context over it whose commands are recorded, not run (the
 * root is not "/"), as a stage's are.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runCommand } from '../../../src/host/exec.ts';
import { DiskRoot } from '../../../src/host/root-fs.ts';
import type { ActivationContext } from '../../../src/net/activate/index.ts';
import { commandOptions, makeStageContext, type StageContext, type StageName } from '../../../src/stages/context.ts';

export const BINARIES = {
  'network-manager': ['/usr/sbin/NetworkManager', '/usr/bin/nmcli'],
  networkd: ['/usr/lib/systemd/systemd-networkd', '/usr/bin/networkctl'],
  netplan: ['/usr/sbin/netplan'],
  ifupdown: ['/sbin/ifup', '/sbin/ifdown', '/etc/network/interfaces'],
  'network-scripts': ['/usr/sbin/ifup', '/etc/sysconfig/network-scripts/network-functions'],
} as const;

const roots: string[] = [];

export function cleanupRoots(): void {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
}

export interface Target {
  root: string;
  ctx: StageContext;
  actx: ActivationContext;
  /** Commands recorded so far, argv joined by spaces. */
  commands(): string[];
  warnings(): string[];
}

export function target(opts: { tools?: (keyof typeof BINARIES)[]; files?: Record<string, string>; links?: string[]; stage?: StageName } = {}): Target {
  const root = mkdtempSync(join(tmpdir(), 'stratus-activate-'));
  roots.push(root);
  const put = (path: string, content: string, mode = 0o644) => {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
    chmodSync(full, mode);
  };
  for (const t of opts.tools ?? []) for (const b of BINARIES[t]) put(b, '', b.startsWith('/etc/') ? 0o644 : 0o755);
  for (const [p, c] of Object.entries(opts.files ?? {})) put(p, c);
  for (const l of opts.links ?? []) mkdirSync(join(root, 'sys/class/net', l), { recursive: true });
  const ctx = makeStageContext(opts.stage ?? 'init', new DiskRoot(root), { root, debug: false, force: false, files: [], dryRun: false });
  const actx: ActivationContext = { fs: ctx.fs, log: ctx.log, run: (argv, t) => runCommand(argv, commandOptions(ctx, t)) };
  return {
    root,
    ctx,
    actx,
    commands: () => ctx.commands.map((c) => c.argv.join(' ')),
    warnings: () => ctx.log.records.filter((r) => r.level === 'WARNING').map((r) => r.message),
  };
}
