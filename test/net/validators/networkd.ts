/**
 * systemd-networkd .network/.netdev and udev .link files → the real loaders
 * (systemd, udev packages).
 *
 * systemd 252 has no "networkd --verify", and `systemd-analyze verify`
 * refuses these file types, so the real daemon loads them: in a sandbox the
 * root's systemd/network directories are bind-mounted over the host's (which
 * are otherwise hidden under empty tmpfs), systemd-networkd starts with its
 * log on the console, and once it logs "Enumeration completed" (all files
 * loaded, all links seen) the sandbox is killed. .link files are loaded by
 * `udevadm test-builtin net_setup_link`, udev's own .link machinery.
 *
 * Optionally NICs are created first (veth pairs with the given names and
 * MACs) so the result also says which .network networkd picked for each NIC
 * and which .link udev would apply and what name it would give: that is how
 * a wrong [Match] shows up. networkd configures these NICs for real, inside
 * the sandbox's own network namespace. bond/bridge/vlan kernel drivers may be
 * unavailable (containers): networkd then logs that it cannot create the
 * netdev, which is about the machine, not the files, and is not reported.
 *
 * Every line where networkd or udev names one of the files (unknown keys,
 * values it failed to parse and ignores, sections it drops, files it
 * refuses) is a message and fails the validation, and so is networkd logging
 * that it could not apply them to a sandbox NIC ("eth0: Could not set ...").
 * The latter is best effort: the check waits for the expected addresses,
 * MTUs, rules and routes, not for networkd to finish (it never does for a
 * DHCP link here, and it silently keeps waiting for an unreachable gateway).
 */
import { join } from 'node:path';
import { filesUnder, isDirectory, lines, requireTools, runSandboxed, shq, TOOLS, type ValidationResult } from './sandbox.ts';

export interface Nic {
  name: string;
  /** Lower-case MAC; veth gets a random one when absent. */
  mac?: string;
  /**
   * Addresses ("10.0.0.2/24", "2001:db8::2/64", as `ip` prints them) networkd
   * should put on the NIC: the check waits (bounded) until they are there.
   */
  addresses?: readonly string[];
  /** MTU networkd (or udev, from a .link) should set: the check waits (bounded) for it too. */
  mtu?: number;
}

export interface NetworkdOptions {
  /** NICs to create before networkd starts. */
  nics?: readonly Nic[];
  /**
   * Text that `ip rule show` / `ip route show table all` (both families)
   * should come to contain, e.g. "from 10.0.0.0/24 lookup 100": the check
   * waits (bounded) for it, as routes and rules follow the addresses.
   */
  expectRules?: readonly string[];
  expectRoutes?: readonly string[];
}

export interface NetworkdResult extends ValidationResult {
  /** The files validated, relative to the root. */
  files: string[];
  /** NIC name → the .network file (relative to the root) networkd configured it with. */
  networkFor: Map<string, string>;
  /** NIC name → the .link file udev would apply (relative to the root) and the name it would give. */
  linkFor: Map<string, { file: string; name?: string }>;
  /** NIC name → the global addresses ("ADDR/PREFIX") it has once networkd configured it. */
  addresses: Map<string, string[]>;
  /** NIC name → its MTU once networkd configured it. */
  mtu: Map<string, number>;
  /** `ip rule show` and `ip -6 rule show` lines once networkd configured the NICs. */
  rules: string[];
  /** `ip route show table all` and `ip -6 route show table all` lines, likewise. */
  routes: string[];
  /** What udev and networkd logged, for explaining a failure. */
  log: string;
}

/** Where networkd and udev look for these files (systemd 252, merged /usr), in precedence order. */
const SEARCH_DIRS = ['etc/systemd/network', 'run/systemd/network', 'usr/local/lib/systemd/network', 'usr/lib/systemd/network'];
const SUFFIXES = ['.network', '.netdev', '.link'];
const DIAGNOSTIC = /^\/((?:etc|run|usr\/local\/lib|usr\/lib)\/systemd\/network\/[^:\s]+)(?::(\d+))?: (.*)$/;
const CONFIGURING = /^(\S+): Configuring with \/(\S+)\.$/;
const UDEV_MARK = '@@ net_setup_link ';
const NETWORKD_MARK = '@@ systemd-networkd';
const ENUMERATED = 'Enumeration completed';
const RULES_MARK = '@@ ip rule show';
const ROUTES_MARK = '@@ ip route show table all';
const ADDRESSES_MARK = '@@ ip -j address show';

export async function validateNetworkd(root: string, opts: NetworkdOptions = {}): Promise<NetworkdResult> {
  requireTools(TOOLS.networkd, TOOLS.udevadm, TOOLS.ip);
  const files = SEARCH_DIRS.flatMap((d) => filesUnder(root, d)).filter((f) => SUFFIXES.some((s) => f.endsWith(s)));
  const result: NetworkdResult = { ok: false, messages: [], files, networkFor: new Map(), linkFor: new Map(), addresses: new Map(), mtu: new Map(), rules: [], routes: [], log: '' };
  if (files.length === 0) {
    result.messages.push(`no .network, .netdev or .link files under ${SEARCH_DIRS.join(', ')}`);
    return result;
  }
  const hasLinks = files.some((f) => f.endsWith('.link'));
  const hasNetworks = files.some((f) => !f.endsWith('.link'));
  const nics = opts.nics ?? [];

  const script: string[] = [
    'mkdir -p /run/systemd/network /run/systemd/netif /run/udev',
    // networkd runs as systemd-network and keeps its state here (the unit's RuntimeDirectory does this on a real system).
    'chown systemd-network:systemd-network /run/systemd/netif',
  ];
  for (const d of SEARCH_DIRS) {
    // The root's directory replaces the host's; a host directory the root does not have is hidden.
    if (isDirectory(join(root, d))) script.push(`mount --bind ${shq(join(root, d))} /${d}`);
    else script.push(`if [ -d /${d} ]; then mount -t tmpfs tmpfs /${d}; fi`);
  }
  script.push('if [ -d /var/lib/systemd ]; then mount -t tmpfs tmpfs /var/lib/systemd; fi');
  nics.forEach((nic, i) => {
    const peer = `vpeer${i}`;
    script.push(`ip link add ${shq(nic.name)}${nic.mac ? ` address ${shq(nic.mac)}` : ''} type veth peer name ${peer}`);
    // The peer up gives the NIC a carrier, so networkd configures it fully.
    script.push(`ip link set ${peer} up`);
  });
  // Read-only sysfs tells networkd that no udev runs here (as in a container), so it manages links at once.
  script.push('mount -t sysfs -o ro sysfs /sys');
  if (hasLinks) {
    for (const nic of nics.length > 0 ? nics.map((n) => n.name) : ['lo']) {
      script.push(`echo ${shq(UDEV_MARK + nic)}`, `${TOOLS.udevadm.path} test-builtin net_setup_link /sys/class/net/${shq(nic)} 2>&1 || true`);
    }
  }
  if (hasNetworks) {
    script.push(
      `echo ${shq(NETWORKD_MARK)}`,
      `${TOOLS.networkd.path} >/run/networkd.log 2>&1 &`,
      'pid=$!',
      // Poll (bounded) until networkd has loaded everything and enumerated the links, or died.
      `i=0; until grep -q ${shq(ENUMERATED)} /run/networkd.log || ! kill -0 $pid 2>/dev/null || [ $i -ge 500 ]; do sleep 0.02; i=$((i+1)); done`,
    );
    const wanted = nics.flatMap((n) => [
      ...(n.addresses ?? []).map((a) => `ip -o address show dev ${shq(n.name)} | grep -qF ${shq(` ${a} `)}`),
      ...(n.mtu === undefined ? [] : [`ip -o link show dev ${shq(n.name)} | grep -qF ${shq(` mtu ${n.mtu} `)}`]),
    ]);
    for (const rule of opts.expectRules ?? []) wanted.push(`{ ip rule show; ip -6 rule show; } | grep -qF ${shq(rule)}`);
    for (const route of opts.expectRoutes ?? []) wanted.push(`{ ip route show table all; ip -6 route show table all; } | grep -qF ${shq(route)}`);
    if (wanted.length > 0) {
      // Then until the NICs have the expected addresses and MTUs. A hang guard of 15 s, not a speed bound (a wrong
      // file may never set them; a loaded machine may be slow to).
      script.push(`end=$(( $(date +%s) + 15 )); until { ${wanted.join(' && ')}; } || [ "$(date +%s)" -ge $end ]; do sleep 0.02; done`);
    }
    script.push(
      'cat /run/networkd.log',
      `echo ${shq(RULES_MARK)}`,
      'ip rule show; ip -6 rule show',
      `echo ${shq(ROUTES_MARK)}`,
      'ip route show table all; ip -6 route show table all',
      `echo ${shq(ADDRESSES_MARK)}`,
      'ip -j address show',
    );
    // The script's end ends PID 1, and with it the namespace and networkd.
  }

  const r = await runSandboxed(script.join('\n'), [], {
    // Above the waits' own guards (10 s for networkd's enumeration, 15 s for the expected state), so a
    // slow machine still gets the report rather than a killed sandbox.
    timeoutMs: 40_000,
    env: { SYSTEMD_LOG_TARGET: 'console', SYSTEMD_LOG_COLOR: '0', SYSTEMD_LOG_LEVEL: 'info' },
  });

  const seen = new Set<string>();
  let udevNic: string | undefined;
  let inNetworkd = false;
  // The output is: udev and networkd logs, then the rules, routes and addresses sections.
  const [beforeAddresses = '', addressJson] = r.stdout.split(`${ADDRESSES_MARK}\n`);
  const [beforeRoutes = '', routes = ''] = beforeAddresses.split(`${ROUTES_MARK}\n`);
  const [logPart = '', rules = ''] = beforeRoutes.split(`${RULES_MARK}\n`);
  if (addressJson !== undefined) readAddresses(addressJson, nics, result);
  result.rules = lines(rules);
  result.routes = lines(routes);
  result.log = logPart;
  for (const line of lines(logPart)) {
    if (line.startsWith(UDEV_MARK)) {
      udevNic = line.slice(UDEV_MARK.length);
      continue;
    }
    if (line === NETWORKD_MARK) {
      inNetworkd = true;
      udevNic = undefined;
      continue;
    }
    const diag = DIAGNOSTIC.exec(line);
    if (diag) {
      const message = `${diag[1]}${diag[2] ? `:${diag[2]}` : ''}: ${diag[3]}`;
      if (!seen.has(message)) result.messages.push(message);
      seen.add(message);
      continue;
    }
    // networkd applying a file to a sandbox NIC and failing (a route the kernel refuses, ...)
    // is about the file too; "not supported" is about this machine's drivers, not the file.
    const nic = inNetworkd ? nics.find((n) => line.startsWith(`${n.name}: `)) : undefined;
    if (nic && /\b(Could not|Failed to|Cannot)\b/.test(line) && !/not supported/i.test(line)) {
      result.messages.push(`systemd-networkd on ${line}`);
      continue;
    }
    const configuring = inNetworkd ? CONFIGURING.exec(line) : null;
    if (configuring?.[1] && configuring[2]) result.networkFor.set(configuring[1], configuring[2]);
    // udevadm prints the udev properties it would set; these two say which .link applies and the name it gives.
    if (udevNic !== undefined && nics.length > 0) {
      const linkFile = /^ID_NET_LINK_FILE=\/(.+)$/.exec(line)?.[1];
      const name = /^ID_NET_NAME=(.+)$/.exec(line)?.[1];
      if (linkFile) result.linkFor.set(udevNic, { file: linkFile });
      const applied = result.linkFor.get(udevNic);
      if (name && applied) applied.name = name;
    }
  }
  const enumerated = logPart.slice(logPart.indexOf(NETWORKD_MARK)).includes(ENUMERATED);
  if (r.code !== 0) {
    result.messages.push(`the sandbox failed (${r.timedOut ? 'timed out' : `exit ${r.code ?? r.signal}`}):\n${r.stdout}${r.stderr}`);
  } else if (hasNetworks && !enumerated) {
    result.messages.push(`systemd-networkd did not finish loading its files; its output:\n${logPart}${r.stderr}`);
  }
  result.ok = result.messages.length === 0;
  return result;
}

interface IpAddressJson {
  ifname: string;
  mtu: number;
  addr_info?: { local: string; prefixlen: number; scope: string }[];
}

function readAddresses(json: string, nics: readonly Nic[], out: NetworkdResult): void {
  const links = JSON.parse(json) as IpAddressJson[];
  for (const link of links) {
    if (!nics.some((n) => n.name === link.ifname)) continue;
    out.addresses.set(link.ifname, (link.addr_info ?? []).filter((a) => a.scope === 'global').map((a) => `${a.local}/${a.prefixlen}`));
    out.mtu.set(link.ifname, link.mtu);
  }
}
