/**
 * RHEL's /etc/sysconfig/network: the keys stratus manages, followed by every
 * other line of the existing file (NOZEROCONF, HOSTNAME, ... belong to the
 * image, not to the network config).
 */
import { OWN_HEADER_LINE, SYSCONFIG_HEADER } from './shell.ts';

export function renderControlFile(existing: string | undefined, useIpv6: boolean): string {
  const managed: [string, string][] = [['NETWORKING', 'yes']];
  if (useIpv6) managed.push(['NETWORKING_IPV6', 'yes'], ['IPV6_AUTOCONF', 'no']);
  const keys = new Set(managed.map(([k]) => k));
  let lines = existing === undefined || existing === '' ? [] : existing.replace(/\n$/, '').split('\n');
  if (lines.length > 0 && OWN_HEADER_LINE.test(lines[0]!)) lines = lines.slice(lines[1] === '#' ? 2 : 1);
  const kept = lines.filter((line) => {
    const key = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=/.exec(line)?.[1];
    return key === undefined || !keys.has(key);
  });
  return SYSCONFIG_HEADER + [...managed.map(([k, v]) => `${k}=${v}`), ...kept].map((l) => `${l}\n`).join('');
}
