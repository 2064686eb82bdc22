/** What a renderer returns: files to write, and what the target could not express. */

export interface RenderedFile {
  /** Path relative to the target root, without a leading "/" (e.g. "etc/netplan/50-cloud-init.yaml"). */
  path: string;
  content: string;
  /** File mode, e.g. 0o600. */
  mode: number;
}

export interface RenderResult {
  files: RenderedFile[];
  /** Human-readable notes about config the target cannot express (e.g. policy routing in ENI). */
  notes: string[];
}

/** Read a file that already exists under the target root (some renderers merge into it). */
export type ReadExisting = (path: string) => string | undefined;

/** The header cloud-init writes on Debian and Ubuntu for netplan and ENI. */
export const DEBIAN_HEADER =
  '# This file is generated from information provided by the datasource.  Changes\n' +
  "# to it will not persist across an instance reboot.  To disable cloud-init's\n" +
  '# network configuration capabilities, write a file\n' +
  '# /etc/cloud/cloud.cfg.d/99-disable-network-config.cfg with the following:\n' +
  '# network: {config: disabled}\n';
