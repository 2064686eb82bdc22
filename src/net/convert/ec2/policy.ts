/**
 * Policy routing for a secondary EC2 NIC, computed from the metadata alone.
 *
 * Without it, a reply from a secondary NIC's address leaves by the main
 * table's default route, i.e. by the primary NIC, whose source/destination
 * check drops it. So each secondary NIC gets its own route table (a default
 * route via the subnet's VPC router and the subnet route) and rules sending
 * traffic from its addresses to that table.
 *
 * cloud-init learns the IPv4 router by running DHCP on the NIC while it
 * generates the config; the VPC router is always the subnet's network
 * address + 1, so stratus computes it instead (docs/differences.md, "EC2
 * metadata network config").
 */
import type { PathSegment } from '../../../text/diagnostics.ts';
import type { Reader } from '../../../text/reader.ts';
import { contains, hasHostBits, networkText, vpcRouter, type Cidr } from './cidr.ts';
import type { Ec2Nic } from './read.ts';

/** A v2 route as this converter writes it. */
export interface Ec2Route {
  to: string;
  via?: string;
  table: number;
}

/** A v2 routing-policy rule as this converter writes it. */
export interface Ec2Rule {
  from: string;
  table: number;
  priority: number;
}

/** cloud-init's first table for NIC 1 on card 0 is 101; the same number comes out here. */
const TABLE_BASE = 100;
const TABLE_PER_CARD = 1000;

/**
 * The route table of a NIC: 100 + 1000 × network-card + device-number.
 * Device numbers stay below 100 (read.ts), so tables never collide and card
 * 0 uses 100–199, clear of the kernel's 253–255 (default, main, local), which
 * 100 + 100 × card + device-number would reach on card 1.
 */
export function routeTable(nic: Ec2Nic & { deviceNumber: number }): number {
  return TABLE_BASE + TABLE_PER_CARD * nic.networkCard + nic.deviceNumber;
}

/**
 * Routes for the table and rules into it. The rules' priority is the table
 * number: NetworkManager refuses a rule without a priority, and a fixed one
 * keeps each NIC's rules together and ahead of the main table (32766).
 * IPv6 gets the subnet routes and the rules; its default route cannot be
 * written, because the router's link-local address comes from router
 * advertisements only, so `raTable` asks for the routes learned from them
 * to go to the table too (netplan's `ra-overrides: {table}`).
 */
export function policyRouting(r: Reader, nic: Ec2Nic & { deviceNumber: number }): { routes: Ec2Route[]; rules: Ec2Rule[]; raTable?: number } {
  const table = routeTable(nic);
  const routes: Ec2Route[] = [];
  const rules: Ec2Rule[] = [];
  let raTable: number | undefined;
  if (nic.ipv4.length > 0) {
    if (!nic.subnet4) {
      r.warn(nic.path, `NIC ${nic.mac} has IPv4 addresses but no subnet-ipv4-cidr-block, so it gets no IPv4 route table; traffic from its addresses leaves by the main table`);
    } else {
      const router = vpcRouter(nic.subnet4);
      if (router === undefined) r.warn([...nic.path, 'subnet-ipv4-cidr-block'], `a /${nic.subnet4.prefix} subnet has no router address, so table ${table} gets no default route`);
      else routes.push({ to: '0.0.0.0/0', via: router, table });
      routes.push({ to: blockText(r, nic.subnet4, [...nic.path, 'subnet-ipv4-cidr-block']), table });
      for (const a of nic.ipv4) rules.push({ from: a, table, priority: table });
    }
  }
  if (nic.ipv6.length > 0) {
    if (nic.subnets6.length === 0) {
      r.warn(nic.path, `NIC ${nic.mac} has IPv6 addresses but no subnet-ipv6-cidr-blocks, so it gets no IPv6 route table; traffic from its addresses leaves by the main table`);
    } else {
      for (const c of nic.subnets6) routes.push({ to: blockText(r, c, [...nic.path, 'subnet-ipv6-cidr-blocks']), table });
      for (const a of nic.ipv6) {
        if (!nic.subnets6.some((c) => contains(c, a.address))) r.warn([...nic.path, 'ipv6s'], `${a.address} is in none of the NIC's subnet-ipv6-cidr-blocks`);
        rules.push({ from: a.address, table, priority: table });
      }
      raTable = table;
    }
  }
  return { routes, rules, ...(raTable === undefined ? {} : { raTable }) };
}

/** A block as a route destination: as IMDS wrote it, or without host bits (which `ip route` refuses). */
function blockText(r: Reader, c: Cidr, path: PathSegment[]): string {
  if (!hasHostBits(c)) return c.text;
  const fixed = networkText(c);
  r.warn(path, `${c.text} has host bits set; the route is to ${fixed}`);
  return fixed;
}
