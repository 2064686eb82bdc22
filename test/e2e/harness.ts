/**
 * Boots stratus for real against temporary target roots: the built bundle,
 * run once per stage as systemd would, with --root pointing at a directory
 * that holds the seed, the markers of a network stack and, where a test
 * needs them, block device images and a kernel command line.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Cli, CliResult } from '../cli/cli.ts';
import { assertNoSecretLeaks, sha256, type RootInput, type ScenarioRoot, type Secret } from './secrets-scan.ts';

export const STAGES: readonly [string, string[]][] = [
  ['init-local', ['init', '--local']],
  ['init', ['init']],
  ['modules-config', ['modules', '--mode=config']],
  ['modules-final', ['modules', '--mode=final']],
];

export interface TargetRoot extends ScenarioRoot {
  dir: string;
  /** Every file written with write(): the scenario's inputs (the secrets scan reads seeds from them and leaves them alone while unchanged). */
  inputs: Map<string, RootInput>;
  /** Secrets of this scenario beyond those in its seeds (see secrets-scan.ts). */
  secrets: Secret[];
  write(path: string, content: string | Buffer, mode?: number): void;
  read(path: string): string;
  exists(path: string): boolean;
  mode(path: string): number;
  link(path: string): string;
  json(path: string): Record<string, unknown>;
  /** A reboot: /run is a tmpfs and starts empty. */
  reboot(): void;
}

export function targetRoot(cli: Cli, opts: { renderer?: 'netplan' | 'networkd' | 'network-manager' | 'eni' | 'sysconfig' | null } = {}): TargetRoot {
  const dir = cli.tempDir('root');
  const at = (p: string) => join(dir, p.replace(/^\/+/, ''));
  const root: TargetRoot = {
    dir,
    inputs: new Map(),
    secrets: [],
    write(path, content, mode = 0o644) {
      mkdirSync(dirname(at(path)), { recursive: true });
      writeFileSync(at(path), content);
      chmodSync(at(path), mode);
      const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
      // Seeds are small; disk images are not kept (only their digest).
      root.inputs.set(`/${path.replace(/^\/+/, '')}`, { sha256: sha256(bytes), ...(bytes.length <= 1024 * 1024 ? { content: bytes } : {}) });
    },
    read: (path) => readFileSync(at(path), 'utf8'),
    exists(path) {
      try {
        lstatSync(at(path));
        return true;
      } catch {
        return false;
      }
    },
    mode: (path) => statSync(at(path)).mode & 0o7777,
    link: (path) => readlinkSync(at(path)),
    json: (path) => JSON.parse(readFileSync(at(path), 'utf8')) as Record<string, unknown>,
    reboot: () => rmSync(at('/run'), { recursive: true, force: true }),
  };
  const markers = {
    netplan: '/usr/sbin/netplan',
    networkd: '/usr/lib/systemd/systemd-networkd',
    'network-manager': '/usr/sbin/NetworkManager',
    eni: '/sbin/ifup',
    sysconfig: '/etc/sysconfig/network-scripts/network-functions',
  } as const;
  const renderer = opts.renderer === undefined ? 'netplan' : opts.renderer;
  if (renderer) root.write(markers[renderer], '', 0o755);
  root.write('/etc/os-release', 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n');
  return root;
}

/**
 * Record the files under a target directory as the scenario's inputs, for
 * files a test put into the root without write() (a copied example seed):
 * the secrets scan reads their secrets and leaves them alone while unchanged.
 */
export function recordInputs(root: TargetRoot, dir: string): void {
  const walk = (target: string) => {
    for (const name of readdirSync(join(root.dir, target))) {
      const path = `${target}/${name}`;
      const st = lstatSync(join(root.dir, path));
      if (st.isDirectory()) walk(path);
      else if (st.isFile()) {
        const bytes = readFileSync(join(root.dir, path));
        root.inputs.set(path, { sha256: sha256(bytes), ...(bytes.length <= 1024 * 1024 ? { content: bytes } : {}) });
      }
    }
  };
  walk(dir.replace(/\/+$/, ''));
}

export function seedDir(root: TargetRoot, files: Record<string, string | Buffer>, dir = '/var/lib/cloud/seed/nocloud'): void {
  for (const [name, content] of Object.entries(files)) root.write(`${dir}/${name}`, content, 0o600);
}

export interface StageResult extends CliResult {
  stage: string;
}

/**
 * Run the stages, one process each, then the secrets scan (secrets-scan.ts):
 * a leaked secret or a private file with the wrong mode fails the test here,
 * with a listing, whatever the test goes on to check.
 */
export async function boot(cli: Cli, root: TargetRoot, stages = STAGES): Promise<StageResult[]> {
  const out: StageResult[] = [];
  for (const [stage, args] of stages) out.push({ stage, ...(await cli.run(['--root', root.dir, ...args])) });
  await assertNoSecretLeaks(root, out);
  return out;
}

export function describeRuns(runs: readonly StageResult[]): string {
  return runs.map((r) => `--- ${r.stage}: exit ${r.status}\n${r.stderr}`).join('\n');
}

/** A NIC as fakeNics lays it out in a target root's sysfs. */
export interface FakeNic {
  name: string;
  /** Lower-case MAC. */
  mac: string;
  ifindex: number;
  /** 1 (default): the link has carrier. */
  carrier?: 0 | 1;
}

/**
 * Hand-made NICs under <root>/sys as the kernel lays them out (what
 * src/net/sysfs.ts reads): a virtio device directory per NIC with its
 * attributes and `device` link, and the relative /sys/class/net/<name>
 * symlink. name_assign_type 4 (renamed by udev): the names are final.
 */
export function fakeNics(root: TargetRoot, nics: readonly FakeNic[]): void {
  const classDir = join(root.dir, 'sys/class/net');
  mkdirSync(classDir, { recursive: true });
  for (const [i, nic] of nics.entries()) {
    const devPath = `pci0000:00/0000:00:${(i + 3).toString(16).padStart(2, '0')}.0/virtio${i}`;
    const dir = join(root.dir, 'sys/devices', devPath, 'net', nic.name);
    mkdirSync(dir, { recursive: true });
    const attrs: Record<string, string> = {
      address: nic.mac,
      ifindex: String(nic.ifindex),
      carrier: String(nic.carrier ?? 1),
      operstate: (nic.carrier ?? 1) === 1 ? 'up' : 'down',
      dormant: '0',
      type: '1',
      mtu: '1500',
      addr_assign_type: '0',
      name_assign_type: '4',
      uevent: `INTERFACE=${nic.name}\nIFINDEX=${nic.ifindex}`,
    };
    for (const [file, value] of Object.entries(attrs)) writeFileSync(join(dir, file), `${value}\n`);
    symlinkSync('../../../virtio' + String(i), join(dir, 'device'));
    symlinkSync(`../../devices/${devPath}/net/${nic.name}`, join(classDir, nic.name));
  }
}
