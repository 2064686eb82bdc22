/**
 * Which `dns-nameservers`/`dns-search` lines each ENI stanza carries.
 *
 * cloud-init's current ENI output (what its fixtures pin): the nameservers
 * of an interface are pooled and every static stanza gets those of its own
 * address family; search domains go with them. DHCP, SLAAC and manual
 * stanzas only carry DNS their own subnet declared. A stanza whose family
 * has no nameserver gets no search domains either, unless the interface has
 * no nameservers at all (then the search domains would otherwise be lost).
 */
import { ipFamily } from '../../ip.ts';
import type { Interface, Subnet } from '../../state.ts';

export interface DnsPool {
  nameservers: string[];
  search: string[];
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** Interface-level DNS first (v1 `nameserver` with `interface`, v2 `nameservers`), then each subnet's. */
export function interfaceDnsPool(iface: Interface): DnsPool {
  return {
    nameservers: unique([...(iface.dns?.nameservers ?? []), ...iface.subnets.flatMap((s) => s.dnsNameservers)]),
    search: unique([...(iface.dns?.search ?? []), ...iface.subnets.flatMap((s) => s.dnsSearch)]),
  };
}

export function subnetDnsPool(subnet: Subnet): DnsPool {
  return { nameservers: unique(subnet.dnsNameservers), search: unique(subnet.dnsSearch) };
}

/** The DNS lines for a stanza of `family` (undefined: a manual stanza, of no family) drawing on `pool`. */
export function dnsLines(pool: DnsPool, family: 4 | 6 | undefined, indent: string): { lines: string[]; nameservers: string[] } {
  const own = family === undefined ? pool.nameservers : pool.nameservers.filter((ns) => ipFamily(ns) === family);
  const lines: string[] = [];
  if (own.length > 0) lines.push(`${indent}dns-nameservers ${own.join(' ')}`);
  if (pool.search.length > 0 && (own.length > 0 || pool.nameservers.length === 0)) {
    lines.push(`${indent}dns-search ${pool.search.join(' ')}`);
  }
  return { lines, nameservers: own };
}
