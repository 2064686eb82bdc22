/**
 * The route commands people put in ENI `up`/`post-up` lines, in both the
 * iproute2 (`ip route add 10.0.0.0/8 via 192.0.2.1 metric 5`) and the
 * net-tools (`route add -net 10.0.0.0/8 gw 192.0.2.1`) forms, read into a
 * route. Anything else is reported back as not a route command.
 */

export interface CommandRoute {
  /** "addr/prefix", "addr/netmask", or "addr" (no length given). */
  destination: string;
  family: 4 | 6;
  gateway?: string;
  metric?: string;
  table?: string;
  mtu?: string;
  device?: string;
  /** Words of the command that a v1 route cannot hold. */
  ignored: string[];
}

export type RouteCommand =
  | { kind: 'add'; route: CommandRoute }
  /** A route deletion: the mirror of an addition, nothing to convert. */
  | { kind: 'del' }
  | { kind: 'other' }
  | { kind: 'invalid'; reason: string };

const IGNORABLE_TAIL = /\s*\|\|\s*(?:true|:)\s*$/;
const SHELL = /[;&|<>`$()]/;

export function parseRouteCommand(command: string): RouteCommand {
  const text = command.replace(IGNORABLE_TAIL, '').trim();
  if (SHELL.test(text)) return { kind: 'other' };
  const words = text.split(/\s+/);
  const tool = (words[0] ?? '').replace(/^.*\//, '');
  if (tool === 'ip') return parseIp(words.slice(1));
  if (tool === 'route') return parseNetTools(words.slice(1));
  return { kind: 'other' };
}

function familyWord(word: string | undefined): 4 | 6 | undefined {
  if (word === 'inet6' || word === '6') return 6;
  if (word === 'inet' || word === '4') return 4;
  return undefined;
}

function guessFamily(address: string): 4 | 6 {
  return address.includes(':') ? 6 : 4;
}

function parseIp(words: string[]): RouteCommand {
  let family: 4 | 6 | undefined;
  let i = 0;
  for (; i < words.length && words[i]!.startsWith('-'); i++) {
    const w = words[i]!;
    if (w === '-4' || w === '-6') family = w === '-6' ? 6 : 4;
    else if (w === '-f' || w === '-family' || w === '--family') family = familyWord(words[++i]);
    else return { kind: 'invalid', reason: `unknown ip option ${w}` };
  }
  const object = words[i++];
  // iproute2 accepts any prefix of "route" ("r", "ro", ...).
  if (object === undefined || !'route'.startsWith(object)) return { kind: 'other' };
  const verb = words[i++];
  if (verb === 'del' || verb === 'delete' || verb === 'flush') return { kind: 'del' };
  if (verb !== 'add' && verb !== 'replace' && verb !== 'append' && verb !== 'change') {
    return { kind: 'invalid', reason: `"ip route ${verb ?? ''}" is not a route addition` };
  }
  let dest = words[i++];
  if (dest === 'unicast' || dest === 'to') dest = words[i++];
  if (dest === undefined) return { kind: 'invalid', reason: 'the route has no destination' };
  if (['unreachable', 'blackhole', 'prohibit', 'throw', 'local', 'broadcast', 'multicast', 'nat', 'anycast'].includes(dest)) {
    return { kind: 'invalid', reason: `${dest} routes cannot be expressed in network config v1` };
  }
  const route: CommandRoute = { destination: dest, family: family ?? 4, ignored: [] };
  for (; i < words.length; i++) {
    const key = words[i]!;
    const value = words[i + 1];
    if (key === 'onlink' || key === 'pervasive') {
      route.ignored.push(key);
      continue;
    }
    if (value === undefined) return { kind: 'invalid', reason: `"${key}" has no value` };
    i++;
    if (key === 'via') {
      // `via inet6 ADDR` names the family of the gateway explicitly.
      const viaFamily = familyWord(value);
      route.gateway = viaFamily !== undefined ? words[++i] : value;
    } else if (key === 'dev' || key === 'oif') route.device = value;
    else if (key === 'metric' || key === 'preference' || key === 'priority') route.metric = value;
    else if (key === 'table') route.table = value;
    else if (key === 'mtu') route.mtu = value === 'lock' ? words[++i] : value;
    else route.ignored.push(`${key} ${value}`);
  }
  route.family = family ?? guessFamily(route.gateway ?? dest);
  if (dest === 'default') route.destination = route.family === 6 ? '::/0' : '0.0.0.0/0';
  return { kind: 'add', route };
}

function parseNetTools(words: string[]): RouteCommand {
  const verb = words[0];
  if (verb === 'del') return { kind: 'del' };
  if (verb !== 'add') return { kind: 'invalid', reason: `"route ${verb ?? ''}" is not a route addition` };
  let family: 4 | 6 | undefined;
  let host = false;
  let target: string | undefined;
  let netmask: string | undefined;
  const route: CommandRoute = { destination: '', family: 4, ignored: [] };
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    const value = words[i + 1];
    if (w === '-net') continue;
    if (w === '-host') host = true;
    else if (w === '-A') family = familyWord(words[++i]);
    else if (w === '-4' || w === '-6' || w === '--inet6' || w === '--inet') family = w.endsWith('6') ? 6 : 4;
    else if (['netmask', 'gw', 'gateway', 'metric', 'dev', 'mtu', 'mss', 'window', 'irtt'].includes(w)) {
      if (value === undefined) return { kind: 'invalid', reason: `"${w}" has no value` };
      i++;
      if (w === 'netmask') netmask = value;
      else if (w === 'gw' || w === 'gateway') route.gateway = value;
      else if (w === 'metric') route.metric = value;
      else if (w === 'dev') route.device = value;
      else if (w === 'mtu' || w === 'mss') route.mtu = value;
      else route.ignored.push(`${w} ${value}`);
    } else if (w === 'reject' || w === 'mod' || w === 'dyn' || w === 'reinstate') {
      return { kind: 'invalid', reason: `"route ${w}" cannot be expressed in network config v1` };
    } else if (target === undefined) target = w;
    // net-tools takes a trailing bare word as the device.
    else route.device = w;
  }
  if (target === undefined) return { kind: 'invalid', reason: 'the route has no destination' };
  route.family = family ?? guessFamily(route.gateway ?? target);
  if (target === 'default') route.destination = route.family === 6 ? '::/0' : '0.0.0.0/0';
  else if (netmask !== undefined && !target.includes('/')) route.destination = `${target}/${netmask}`;
  else if (host && !target.includes('/')) route.destination = `${target}/${route.family === 6 ? 128 : 32}`;
  else route.destination = target;
  return { kind: 'add', route };
}
