/**
 * Gathers the facts identify decides from. Every read goes through the
 * target's RootFs and nothing here needs the network; block devices come
 * from the prober the caller passes in, so tests can hand in a list.
 */
import { arch } from 'node:process';
import { tokenizeCmdline } from '../config/cmdline.ts';
import type { RootFs } from '../host/root-fs.ts';
import { CLOUD_DIR, paths } from '../stages/paths.ts';
import { parseDsIdentifyCfg } from './ds-identify-cfg.ts';
import type { DmiFacts, Facts, FilesystemInfo } from './types.ts';

const DMI_DIR = '/sys/class/dmi/id';

/** Seed roots: the usual one, and Ubuntu Core's, which is bind-mounted over it later in boot. */
export const SEED_ROOTS: readonly string[] = [paths.seedDir, `/writable/system-data${paths.seedDir}`];

/** Where ConfigDrive looks for an unpacked drive before it looks for devices. */
export const CONFIG_DRIVE_DIRS: readonly string[] = [`${CLOUD_DIR}/seed/config_drive`, '/config-drive'];

export function gatherFacts(fs: RootFs, probeFilesystems: () => FilesystemInfo[], machine: string = unameMachine()): Facts {
  const notes: string[] = [];
  const firstLine = (path: string): string | null => {
    const text = readText(fs, path, notes);
    return text === null ? null : (text.split('\n', 1)[0] ?? '').trim();
  };
  const dmi: DmiFacts = {
    sysVendor: firstLine(`${DMI_DIR}/sys_vendor`),
    productName: firstLine(`${DMI_DIR}/product_name`),
    productSerial: firstLine(`${DMI_DIR}/product_serial`),
    productUuid: firstLine(`${DMI_DIR}/product_uuid`),
    chassisAssetTag: firstLine(`${DMI_DIR}/chassis_asset_tag`),
    boardName: firstLine(`${DMI_DIR}/board_name`),
  };
  const cmdline = readText(fs, paths.kernelCmdline, notes) ?? '';
  const dsIdentifyText = readText(fs, paths.dsIdentifyCfg, notes);
  let filesystems: FilesystemInfo[] = [];
  try {
    filesystems = probeFilesystems();
  } catch (e) {
    notes.push(`block devices could not be probed: ${(e as Error).message}`);
  }
  return {
    dmi,
    hypervisorUuid: firstLine('/sys/hypervisor/uuid'),
    cmdline,
    cmdlineTokens: tokenizeCmdline(cmdline),
    container: firstLine('/run/systemd/container') || null,
    machine,
    seedDirs: gatherSeedDirs(fs),
    configDriveDirs: gatherConfigDrives(fs),
    dsIdentifyCfg: dsIdentifyText === null ? {} : parseDsIdentifyCfg(dsIdentifyText),
    filesystems,
    notes,
  };
}

/** Unreadable (e.g. product_serial is root-only) counts as missing, with a note. */
function readText(fs: RootFs, path: string, notes: string[]): string | null {
  try {
    return fs.readText(path);
  } catch (e) {
    notes.push(`${path} could not be read: ${(e as Error).message}`);
    return null;
  }
}

function isFileLike(fs: RootFs, path: string): boolean {
  const kind = fs.kind(path);
  return kind === 'file' || kind === 'link';
}

function gatherSeedDirs(fs: RootFs): Record<string, string[]> {
  const seeds: Record<string, string[]> = {};
  for (const root of SEED_ROOTS) {
    for (const name of fs.list(root)) {
      const dir = `${root}/${name}`;
      if (fs.kind(dir) !== 'dir') continue;
      seeds[dir] = fs.list(dir).filter((f) => isFileLike(fs, `${dir}/${f}`));
    }
  }
  return seeds;
}

function gatherConfigDrives(fs: RootFs): Record<string, string[]> {
  const drives: Record<string, string[]> = {};
  for (const dir of CONFIG_DRIVE_DIRS) {
    if (fs.kind(dir) !== 'dir') continue;
    drives[dir] = fs.list(`${dir}/openstack`).filter((v) => isFileLike(fs, `${dir}/openstack/${v}/meta_data.json`));
  }
  return drives;
}

/** Node's process.arch in `uname -m` terms, which is what the checks were written against. */
function unameMachine(): string {
  const names: Record<string, string> = { x64: 'x86_64', ia32: 'i686', arm64: 'aarch64', arm: 'armv7l', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return names[arch] ?? arch;
}
