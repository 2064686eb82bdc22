/**
 * What identify knows about the machine (gathered once, from local files
 * only), what a datasource's detect function says about it, and identify's
 * result.
 */
import type { IdentifyMode } from './policy.ts';

/** /sys/class/dmi/id values, first line trimmed; null when missing or unreadable. */
export interface DmiFacts {
  sysVendor: string | null;
  productName: string | null;
  productSerial: string | null;
  productUuid: string | null;
  chassisAssetTag: string | null;
  boardName: string | null;
}

/** A block device with a filesystem, as the block-device prober reports it. */
export interface FilesystemInfo {
  device: string;
  /** Filesystem type as blkid names it: "vfat", "iso9660", "ext4". */
  type: string;
  /** Empty when the filesystem has no label. */
  label: string;
}

/** The keys of /etc/cloud/ds-identify.cfg that identify uses. */
export interface DsIdentifyCfg {
  datasource?: string;
  policy?: string;
  ec2StrictId?: string;
}

export interface Facts {
  dmi: DmiFacts;
  /** /sys/hypervisor/uuid (Xen), first line trimmed. */
  hypervisorUuid: string | null;
  /** /proc/cmdline as read, and split into tokens. */
  cmdline: string;
  cmdlineTokens: string[];
  /** Container type from /run/systemd/container ("lxc", "docker"), null on a VM or bare metal. */
  container: string | null;
  /** Machine hardware name as `uname -m` gives it ("x86_64", "aarch64"). */
  machine: string;
  /**
   * Seed directories (under /var/lib/cloud/seed and Ubuntu Core's
   * /writable/system-data/var/lib/cloud/seed) by target path, each with
   * the names of the files in it.
   */
  seedDirs: Record<string, string[]>;
  /**
   * Config drive trees found as directories (/config-drive, the
   * config_drive seed): for each, the openstack/<version> names that hold a
   * meta_data.json.
   */
  configDriveDirs: Record<string, string[]>;
  dsIdentifyCfg: DsIdentifyCfg;
  filesystems: FilesystemInfo[];
  /** Facts that could not be read, for the log. */
  notes: string[];
}

export type DetectOutcome = 'found' | 'maybe' | 'not-found';

export interface DetectResult {
  result: DetectOutcome;
  /** Why, in a few words, for ds-identify.log. */
  reason: string;
  /** Config written to /run/cloud-init/cloud.cfg along with the datasource list. */
  extraConfig?: Record<string, unknown>;
}

/** Pure: decides from the facts and the system config alone, never touching the network. */
export type Detect = (facts: Facts, cfg: Record<string, unknown>) => DetectResult;

export type IdentifyCode = 0 | 1 | 2;

export interface IdentifyCheck {
  datasource: string;
  result: DetectOutcome;
  reason: string;
}

export interface IdentifyResult {
  /** ds-identify's exit code: 0 run cloud-init, 1 no datasource (disabled), 2 disabled by the admin. */
  code: IdentifyCode;
  mode: IdentifyMode;
  /**
   * The datasources selected, None last; empty when nothing was selected.
   * In report mode this is only reported (under `di_report:`), not in effect.
   */
  datasourceList: string[];
  /** The exact content of /run/cloud-init/cloud.cfg; null when nothing is to be written. */
  cloudCfgText: string | null;
  checks: IdentifyCheck[];
  /** Lines for ds-identify.log: the facts, the policy, one line per check, the outcome. */
  log: string[];
}
