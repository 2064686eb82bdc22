/**
 * What every DHCP client tells its script, as a typed lease. Each client
 * runs our recording script (which configures nothing) and the script
 * writes its arguments and environment to a file; the client files turn
 * those records into a `BoundLease`. Pure: no I/O.
 */
import { ipv4MaskToPrefix, isIPv4 } from '../ip.ts';
import { routesFromByteText, routesFromPairs, type StaticRoute } from './leases/lease.ts';

export type { StaticRoute } from './leases/lease.ts';

export type DhcpClientName = 'dhcpcd' | 'dhclient' | 'udhcpc';


/**
 * The lease a client just obtained for ephemeral networking: always an
 * address. (Leases read back from clients' files are `Lease` in ./leases/,
 * where every field may be missing.)
 */
export interface BoundLease {
  interface: string;
  /** The fixed address and its prefix length. */
  address: string;
  prefix: number;
  broadcast?: string;
  routers: string[];
  /** Classless static routes; when present they replace `routers` (RFC 3442). */
  staticRoutes: StaticRoute[];
  serverIdentifier?: string;
  dns: string[];
  domain?: string;
  leaseTimeSeconds?: number;
  client: DhcpClientName;
}

/** One invocation of the recording script: the first argument, and the environment. */
export interface ScriptRecord {
  arg: string;
  env: Record<string, string>;
}

/** The text the recording script writes (`arg=<$1>` then `env` output) → a record. */
export function parseScriptRecord(text: string): ScriptRecord {
  const env: Record<string, string> = {};
  let arg = '';
  let first = true;
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (first && key === 'arg') arg = value;
    else env[key] = value;
    first = false;
  }
  return { arg, env };
}

/** The recording script: writes each invocation to its own file atomically, and changes nothing else. */
export function recordingScript(dir: string): string {
  const q = `'${dir.replace(/'/g, `'\\''`)}'`;
  return [
    '#!/bin/sh',
    '# Written by stratus for ephemeral DHCP: it records what the DHCP client',
    '# learned and configures nothing; stratus applies the lease itself.',
    `f=${q}/record.$$`,
    '{ printf "arg=%s\\n" "$1"; env; } > "$f.part" && mv "$f.part" "$f.rec"',
    'exit 0',
    '',
  ].join('\n');
}

/** Space- or comma-separated IPv4 list; anything else is dropped. */
export function ipv4List(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text.split(/[\s,]+/).filter((s) => isIPv4(s));
}

export function optionalIPv4(text: string | undefined): string | undefined {
  return text !== undefined && isIPv4(text.trim()) ? text.trim() : undefined;
}

export function optionalSeconds(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text.trim())) return undefined;
  return Number(text.trim());
}

/** dhcpcd's and udhcpc's "192.168.1.0/24 10.0.0.1 0.0.0.0/0 10.0.0.254"; stops at the first malformed pair. */
export function parseRoutePairs(text: string | undefined): StaticRoute[] {
  return text === undefined ? [] : routesFromPairs(text).routes;
}

/** dhclient's RFC 3442 bytes ("24 192 168 50 10 9 0 1 ...", spaces, commas or dots); stops at the first truncated route. */
export function parseClasslessBytes(text: string | undefined): StaticRoute[] {
  return text === undefined ? [] : routesFromByteText(text).routes;
}

/** Prefix length from a dotted mask or a bare number. */
export function prefixOf(mask: string | undefined, cidr: string | undefined): number | undefined {
  if (cidr !== undefined && /^\d+$/.test(cidr.trim()) && Number(cidr) <= 32) return Number(cidr);
  if (mask === undefined) return undefined;
  const m = mask.trim();
  if (/^\d+$/.test(m) && Number(m) <= 32) return Number(m);
  return ipv4MaskToPrefix(m);
}

/** How one DHCP client is run and read. */
export interface DhcpClientDriver {
  name: DhcpClientName;
  /** Ways to invoke it, in order: an executable name and any leading arguments (busybox applets). */
  invocations: readonly (readonly string[])[];
  /** Extra files the client needs in its private directory (a config file), by name. */
  files(budgetMs: number): Record<string, string>;
  /** The full command: `invocation` is one of `invocations`; `dir` holds the script and the files. */
  argv(invocation: readonly string[], iface: string, dir: string, script: string, budgetMs: number): string[];
  /** A lease when the record is one that carries a bound lease; undefined otherwise. */
  leaseFrom(record: ScriptRecord, iface: string): BoundLease | undefined;
  /** Why the client gave up, when the record says so (udhcpc's "leasefail"). */
  failureFrom(record: ScriptRecord): string | undefined;
}

/** Which variables of a client's script environment hold which lease field. */
export interface LeaseEnvNames {
  address: string;
  mask: string;
  /** A variable with the prefix length, when the client gives one. */
  cidr?: string;
  routers: string;
  dns: string;
  broadcast: string;
  server: string;
  domain: string;
  leaseTime: string;
}

/**
 * A lease from a client's script environment: every client hands the same
 * fields to its script, under its own names. Routes are decoded by the
 * caller (each client writes option 121 its own way).
 */
export function leaseFromEnv(env: Record<string, string>, iface: string, client: DhcpClientName, names: LeaseEnvNames, staticRoutes: StaticRoute[]): BoundLease | undefined {
  const address = optionalIPv4(env[names.address]);
  const prefix = prefixOf(env[names.mask], names.cidr === undefined ? undefined : env[names.cidr]);
  if (address === undefined || prefix === undefined) return undefined;
  const lease: BoundLease = {
    interface: env['interface'] ?? iface,
    address,
    prefix,
    routers: ipv4List(env[names.routers]),
    staticRoutes,
    dns: ipv4List(env[names.dns]),
    client,
  };
  const broadcast = optionalIPv4(env[names.broadcast]);
  if (broadcast) lease.broadcast = broadcast;
  const server = optionalIPv4(env[names.server]);
  if (server) lease.serverIdentifier = server;
  const domain = env[names.domain];
  if (domain) lease.domain = domain;
  const time = optionalSeconds(env[names.leaseTime]);
  if (time !== undefined) lease.leaseTimeSeconds = time;
  return lease;
}

/** The names dhclient and dhcpcd share (dhcpcd follows dhclient's script interface). */
export const DHCLIENT_STYLE_NAMES: LeaseEnvNames = {
  address: 'new_ip_address',
  mask: 'new_subnet_mask',
  routers: 'new_routers',
  dns: 'new_domain_name_servers',
  broadcast: 'new_broadcast_address',
  server: 'new_dhcp_server_identifier',
  domain: 'new_domain_name',
  leaseTime: 'new_dhcp_lease_time',
};
