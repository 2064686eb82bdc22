/**
 * Is there a NoCloud seed? Local facts only: a `ds=nocloud` in the DMI
 * serial or on the kernel command line, a seed dir, a disk labelled cidata,
 * or seed data in the system config.
 */
import { nocloudFromCmdline } from '../../config/cmdline.ts';
import { hasOwn } from '../../config/object.ts';
import { configAt, describeFilesystem, filesystemLabelled, seedDirWith } from '../../identify/checks.ts';
import { SEED_ROOTS } from '../../identify/facts.ts';
import type { Detect } from '../../identify/types.ts';
import { isMapping } from '../../text/reader.ts';

export const detectNoCloud: Detect = (facts, cfg) => {
  const serial = facts.dmi.productSerial;
  if (serial && nocloudFromCmdline(serial)) return { result: 'found', reason: `DMI product_serial ${JSON.stringify(serial)} holds ds=nocloud` };
  const cmdline = nocloudFromCmdline(facts.cmdline);
  if (cmdline) return { result: 'found', reason: `kernel command line holds ds=${cmdline.variant}` };
  for (const name of ['nocloud', 'nocloud-net']) {
    const dir = seedDirWith(facts, name, ['meta-data', 'user-data'], SEED_ROOTS);
    if (dir) return { result: 'found', reason: `seed dir ${dir} has meta-data and user-data` };
  }
  // The datasource reads datasource.NoCloud.fs_label (default cidata, null turns disks off).
  const label = configAt(cfg, ['datasource', 'NoCloud', 'fs_label']);
  if (label !== null) {
    const name = typeof label === 'string' ? label : 'cidata';
    const disk = filesystemLabelled(facts, [name.toLowerCase(), name.toUpperCase()]);
    if (disk) return { result: 'found', reason: `filesystem ${describeFilesystem(disk)}` };
  }
  const ds = configAt(cfg, ['datasource', 'NoCloud']);
  if (isMapping(ds)) {
    if (hasOwn(ds, 'user-data') && hasOwn(ds, 'meta-data')) return { result: 'found', reason: 'system config has datasource.NoCloud user-data and meta-data' };
    if (typeof ds['seedfrom'] === 'string' && ds['seedfrom'] !== '') return { result: 'found', reason: `system config has datasource.NoCloud.seedfrom ${ds['seedfrom']}` };
  }
  return { result: 'not-found', reason: 'no ds=nocloud in DMI serial or kernel command line, no seed dir, no cidata filesystem, no seed in config' };
};
