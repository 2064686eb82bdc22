/** Facts for detect and identify tests: an x86 VM with no DMI data, no seeds, no disks. */
import { tokenizeCmdline } from '../../src/config/cmdline.ts';
import type { DmiFacts, Facts } from '../../src/identify/types.ts';

export type FactsOverrides = Partial<Omit<Facts, 'dmi'>> & { dmi?: Partial<DmiFacts> };

export function makeFacts(over: FactsOverrides = {}): Facts {
  const cmdline = over.cmdline ?? 'BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro';
  return {
    hypervisorUuid: null,
    container: null,
    machine: 'x86_64',
    seedDirs: {},
    configDriveDirs: {},
    dsIdentifyCfg: {},
    filesystems: [],
    notes: [],
    ...over,
    cmdline,
    cmdlineTokens: over.cmdlineTokens ?? tokenizeCmdline(cmdline),
    dmi: { sysVendor: null, productName: null, productSerial: null, productUuid: null, chassisAssetTag: null, boardName: null, ...over.dmi },
  };
}
