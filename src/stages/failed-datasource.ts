/**
 * A boot where the last instance's datasource is there but cannot be read
 * (its metadata service refuses, black-holes, times out or answers
 * garbage) finds no instance. The network config that datasource gave on
 * an earlier boot then stays in place: the fallback (DHCP on the NICs with
 * a link) would replace what the instance may need — static addresses,
 * routes, secondary NICs — with a guess, for as long as the service is
 * down, and the next good boot would have to put it back. cloud-init
 * writes the fallback over it.
 *
 * The same holds in the local stage for a datasource read only in the
 * network stage (NoCloud's seedfrom over HTTP): the config it gave stays
 * until that stage reads it again, instead of the fallback in between.
 *
 * Only for a datasource that failed or is deferred (not one that was not found, as after
 * moving an image to another cloud: there the old config names NICs that
 * are not there, and the fallback is right), and only when that datasource
 * gave a network config and stratus rendered one (the manifest lists it).
 */
import type { RootFs } from '../host/root-fs.ts';
import { cachePath, parseCache } from './instance-cache.ts';
import { readManifest } from './manifest.ts';
import { paths } from './paths.ts';

export interface KeptNetwork {
  instanceId: string;
  dsname: string;
}

/**
 * The last instance whose network config stays, when its datasource is
 * among `dsnames` (those that failed this boot, or that are read in a later
 * stage); null: write the fallback as usual.
 */
export function lastNetworkOf(fs: RootFs, dsnames: readonly string[]): KeptNetwork | null {
  if (dsnames.length === 0) return null;
  const instanceId = fs.readText(paths.instanceIdFile)?.trim();
  if (!instanceId) return null;
  const text = fs.readText(cachePath(instanceId));
  if (text === null) return null;
  const r = parseCache(text);
  if (!('cache' in r)) return null;
  const c = r.cache.crawled;
  if (!dsnames.includes(c.dsname) || c.networkConfig === null) return null;
  const rendered = Object.values(readManifest(fs).manifest.files).some((e) => e.category === 'network');
  return rendered ? { instanceId, dsname: c.dsname } : null;
}
