/**
 * OpenStack metadata versions: a config drive has one directory per version
 * under openstack/, the metadata service lists them at /openstack. The newest
 * version stratus knows is used; `latest` only when none of them is there.
 */

/** Newest first. Every one of these has meta_data.json; later ones add files, never remove them. */
export const KNOWN_VERSIONS = ['2018-08-27', '2017-02-22', '2016-10-06', '2016-06-30', '2015-10-15', '2013-10-17', '2013-04-04', '2012-08-10'] as const;

/**
 * The versions to try, best first: the known ones present (newest first),
 * then `latest` when present — or `latest` alone when nothing is known. A
 * service that lists a version but has no meta_data.json for it (a broken
 * proxy, a half-upgraded cloud) then costs one request, not the instance.
 */
export function versionsToTry(present: readonly string[]): string[] {
  const have = new Set(present.map((p) => p.trim().replace(/\/+$/, '')));
  const known: string[] = KNOWN_VERSIONS.filter((v) => have.has(v));
  return known.length === 0 || have.has('latest') ? [...known, 'latest'] : known;
}
