/**
 * ConfigDrive: OpenStack's instance data on a disk (or an unpacked copy of
 * one), read in the local stage. The drive is looked for in cloud-init's
 * order: the config_drive seed, /config-drive, then filesystems labelled
 * config-2 or CONFIG-2 (iso9660 or vfat). The first one that holds an
 * OpenStack tree (openstack/<version>/meta_data.json) or a v1 drive
 * (meta.js) is used; a broken one is reported and the next is tried.
 */
import { datasourceConfig } from '../config.ts';
import type { Mapping } from '../../text/reader.ts';
import { checkNovaInstanceId, treeToCrawled } from '../openstack/crawled.ts';
import { readOpenStackTree, type OpenStackTree } from '../openstack/tree.ts';
import { DatasourceError, type CrawlContext, type Crawled, type DsMode, type Source } from '../types.ts';
import { recrawlHotplug } from '../hotplug-recrawl.ts';
import { directoryDrive, filesystemDrive, type DriveReader } from './drive.ts';
import { readV1Drive } from './v1.ts';

export const DRIVE_DIRS = ['/var/lib/cloud/seed/config_drive', '/config-drive'] as const;
export const DRIVE_LABELS = ['config-2', 'CONFIG-2'] as const;

function* candidates(ctx: CrawlContext): Generator<DriveReader> {
  for (const dir of DRIVE_DIRS) if (ctx.fs.kind(dir) === 'dir') yield directoryDrive(ctx.fs, dir);
  for (const found of ctx.filesystemsLabelled(DRIVE_LABELS)) yield filesystemDrive(found);
}

async function readDrive(drive: DriveReader, ctx: CrawlContext): Promise<OpenStackTree | null> {
  return (await readOpenStackTree(drive, ctx.log)) ?? (await readV1Drive(drive, ctx.log));
}

function modeOf(tree: OpenStackTree, cfg: Mapping): DsMode | 'pass' {
  const configured = datasourceConfig(cfg, 'ConfigDrive')['dsmode'];
  if (tree.dsmode !== null) return tree.dsmode;
  if (configured === 'local' || configured === 'net' || configured === 'disabled' || configured === 'pass') return configured;
  return 'net';
}

async function crawl(ctx: CrawlContext): Promise<Crawled | null> {
  for (const drive of candidates(ctx)) {
    let tree: OpenStackTree | null;
    try {
      tree = await readDrive(drive, ctx);
    } catch (e) {
      if (!(e instanceof DatasourceError)) throw e;
      ctx.log.error(`config drive ${drive.where} cannot be used: ${e.message}`);
      continue;
    }
    if (tree === null) {
      ctx.log.debug(`${drive.where} has neither openstack/ nor meta.js; not a config drive`);
      continue;
    }
    const mode = modeOf(tree, ctx.cfg);
    if (mode === 'disabled') {
      ctx.log.info(`config drive ${drive.where}: dsmode is disabled`);
      return null;
    }
    if (mode === 'pass') {
      // cloud-init copies the injected files and applies the network config, then lets another datasource
      // own the instance. stratus does not write for an instance it does not own (docs/differences.md).
      ctx.log.warn(`config drive ${drive.where}: dsmode "pass" is not supported (files and network config are applied only by the datasource that owns the instance); the drive is not used`);
      return null;
    }
    ctx.log.debug(`config drive ${drive.where}: openstack ${tree.version}`);
    return treeToCrawled(tree, { dsname: 'ConfigDrive', subplatform: drive.subplatform, dsmode: mode });
  }
  return null;
}

/** Hotplug (off unless enabled): the drive is read again once; Nova writes it when the instance is created, not when a port is attached, so a NIC it does not name is not waited for. */
export const configDrive: Source = { dsname: 'ConfigDrive', stages: ['local'], crawl, checkInstanceId: checkNovaInstanceId, hotplug: recrawlHotplug(crawl, { final: true }) };
