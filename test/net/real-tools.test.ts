/**
 * Every sample network config, rendered by every renderer, must be accepted
 * by the real tool that reads it — with no diagnostics — and must say what a
 * user would check: the interfaces exist, carry the static addresses and
 * MTUs of the config, and are matched to the right NICs.
 *
 *   netplan          → netplan generate (then systemd-networkd on netplan's own output)
 *   networkd         → systemd-networkd and udev's net_setup_link, with the NICs present
 *   network-manager  → libnm's keyfile reader + normalize() + verify()
 *   eni              → ifquery / ifup --no-act
 *   sysconfig        → bash -n, KEY=VALUE only, variables as bash reads them
 *
 * The tools run in throw-away namespaces (see validators/sandbox.ts); a
 * missing tool fails the test with the Debian package to install.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeFilesAtomically } from '../../src/host/fs.ts';
import { readNetworkInput } from '../../src/net/input.ts';
import { renderFor } from '../../src/net/render/for-target.ts';
import type { RenderResult } from '../../src/net/render/index.ts';
import type { NetworkState } from '../../src/net/state.ts';
import { formatDiagnostic } from '../../src/text/diagnostics.ts';
import { macToName, SAMPLES, sampleText, type PolicyRule, type Sample, type TableRoute } from './samples/index.ts';
import { eniAddresses, validateEni } from './validators/eni.ts';
import { validateNetplan } from './validators/netplan.ts';
import { nmAddresses, nmDevice, nmMtu, validateNmKeyfiles, type NmSettings } from './validators/network-manager.ts';
import { validateNetworkd, type Nic } from './validators/networkd.ts';
import { withTempDir } from './validators/sandbox.ts';
import { sysconfigAddresses, validateSysconfig } from './validators/sysconfig.ts';

type Target = 'netplan' | 'networkd' | 'network-manager' | 'eni' | 'sysconfig-rhel' | 'sysconfig-suse';

function parse(sample: Sample): NetworkState {
  const parsed = readNetworkInput(sampleText(sample), sample.file, sample.kind, { macToName: macToName(sample) });
  assert.equal(parsed.kind, 'state', `${sample.file} does not parse:\n${parsed.diagnostics.map(formatDiagnostic).join('\n')}`);
  return (parsed as { state: NetworkState }).state;
}

/** The renderer as `stratus net-convert` and the boot stages call it (Ubuntu for the Debian-family renderers). */
function render(state: NetworkState, target: Target): RenderResult {
  const nothingThere = (): undefined => undefined;
  if (target === 'sysconfig-rhel') return renderFor(state, 'sysconfig', 'rhel', nothingThere);
  if (target === 'sysconfig-suse') return renderFor(state, 'sysconfig', 'opensuse', nothingThere);
  return renderFor(state, target, 'ubuntu', nothingThere);
}

/** Render the sample into a fresh temp root (files written as the agent writes them) and hand the root to check. */
async function rendered(sample: Sample, target: Target, check: (root: string) => Promise<void>): Promise<void> {
  const result = render(parse(sample), target);
  assert.ok(result.files.length > 0, `the ${target} renderer wrote no files for ${sample.file}`);
  await withTempDir(`rt-${target}`, async (root) => {
    writeFilesAtomically(root, result.files);
    await check(root);
  });
}

function sorted(values: readonly string[]): string[] {
  return [...values].sort();
}

function failing(messages: readonly string[]): string {
  return `the tool reported:\n  ${messages.join('\n  ')}`;
}

/** The sample's NICs as the networkd sandbox should create them, with what networkd must set on them. */
function sandboxNics(sample: Sample): Nic[] {
  return sample.nics.map((n) => {
    const nic: Nic = { name: n.name, mac: n.mac };
    const addresses = sample.interfaces[n.name] ?? [];
    if (addresses.length > 0) nic.addresses = addresses;
    const mtu = sample.mtu?.[n.name];
    if (mtu !== undefined) nic.mtu = mtu;
    return nic;
  });
}

/** A policy rule as `ip rule show` prints it ("100:\tfrom 10.0.0.0/24 lookup 100 ..."). */
function ipRuleText(rule: PolicyRule): string {
  return `${rule.priority}:\tfrom ${rule.from ?? 'all'}${rule.to ? ` to ${rule.to}` : ''} lookup ${rule.table}`;
}

/** A table route as `ip route show table all` prints it ("default via 10.0.0.1 dev eth1 table 100 ..."). */
function ipRouteText(route: TableRoute): string {
  return `${route.to === '0.0.0.0/0' ? 'default' : route.to}${route.via ? ` via ${route.via}` : ''} dev ${route.dev} table ${route.table}`;
}

/** Options for the networkd sandbox: the sample's NICs, and the rules and table routes networkd should install. */
function networkdChecks(sample: Sample): Parameters<typeof validateNetworkd>[1] {
  return {
    nics: sandboxNics(sample),
    expectRules: sample.policy?.rules.map(ipRuleText) ?? [],
    expectRoutes: sample.policy?.routes.map(ipRouteText) ?? [],
  };
}

/** What networkd did with the sample's NICs: each configured by a file, with the config's addresses, MTU and policy routing. */
function assertNicsConfigured(sample: Sample, r: Awaited<ReturnType<typeof validateNetworkd>>, fileKind: string): void {
  for (const nic of sandboxNics(sample)) {
    assert.ok(r.networkFor.has(nic.name), `networkd configured ${nic.name} (${nic.mac}) with no ${fileKind} .network file; it used: ${JSON.stringify([...r.networkFor])}`);
    if (nic.addresses) assert.deepEqual(sorted(r.addresses.get(nic.name) ?? []), sorted(nic.addresses), `global addresses networkd put on ${nic.name}`);
    if (nic.mtu !== undefined) assert.equal(r.mtu.get(nic.name), nic.mtu, `MTU networkd set on ${nic.name}`);
    const link = r.linkFor.get(nic.name);
    if (link?.name !== undefined) assert.equal(link.name, nic.name, `name udev would give the NIC with MAC ${nic.mac} (${link.file})`);
  }
  for (const rule of sample.policy?.rules ?? []) {
    assert.ok(r.rules.some((l) => l.startsWith(ipRuleText(rule))), `no rule "${ipRuleText(rule)}" in ip rule show:\n${r.rules.join('\n')}`);
  }
  for (const route of sample.policy?.routes ?? []) {
    assert.ok(r.routes.some((l) => l.startsWith(ipRouteText(route))), `no route "${ipRouteText(route)}" in ip route show table all:\n${r.routes.join('\n')}`);
  }
}

/** `ip rule add` / `ip route add` arguments as a word → following word map (e.g. table → 100). */
function ipArgs(command: string, verb: 'rule' | 'route'): Map<string, string> | undefined {
  const words = command.replace(/\|\|.*$/, '').trim().split(/\s+/);
  const at = words.findIndex((w, i) => w === 'ip' && words[i + 1] === verb && words[i + 2] === 'add');
  if (at < 0) return undefined;
  const args = words.slice(at + 3);
  const out = new Map<string, string>([['', args[0] ?? '']]);
  for (let i = 0; i + 1 < args.length; i++) out.set(args[i] ?? '', args[i + 1] ?? '');
  return out;
}

/** The rules and table routes ifup would add (from its `ip rule add` / `ip route add` commands). */
function assertEniPolicy(sample: Sample, commands: readonly string[]): void {
  for (const rule of sample.policy?.rules ?? []) {
    const found = commands.some((c) => {
      const a = ipArgs(c, 'rule');
      return a?.get('priority') === String(rule.priority) && a.get('table') === String(rule.table) && a.get('from') === rule.from && a.get('to') === rule.to;
    });
    assert.ok(found, `ifup would not add rule ${JSON.stringify(rule)}; its commands:\n${commands.join('\n')}`);
  }
  for (const route of sample.policy?.routes ?? []) {
    const found = commands.some((c) => {
      const a = ipArgs(c, 'route');
      const dest = a?.get('');
      return (dest === route.to || (route.to === '0.0.0.0/0' && dest === 'default')) && a?.get('table') === String(route.table) && a.get('via') === route.via;
    });
    assert.ok(found, `ifup would not add route ${JSON.stringify(route)}; its commands:\n${commands.join('\n')}`);
  }
}

/** The rules and table routes in the normalized NetworkManager profiles (libnm's D-Bus form). */
function assertNmPolicy(sample: Sample, connections: Map<string, NmSettings>): void {
  const ipv4 = (iface: string) => nmProfile(sample, connections, iface)?.['ipv4'] ?? {};
  const split = (prefix: string) => prefix.split('/');
  for (const rule of sample.policy?.rules ?? []) {
    const all = Object.keys(sample.interfaces).flatMap((i) => (ipv4(i)['routing-rules'] as Record<string, unknown>[] | undefined) ?? []);
    const found = all.some((r) => {
      const [from, fromLen] = rule.from ? split(rule.from) : [];
      const [to, toLen] = rule.to ? split(rule.to) : [];
      return r['priority'] === rule.priority && r['table'] === rule.table && r['from'] === from && String(r['from-len'] ?? '') === (fromLen ?? '') && r['to'] === to && String(r['to-len'] ?? '') === (toLen ?? '');
    });
    assert.ok(found, `no NetworkManager routing rule ${JSON.stringify(rule)} in ${JSON.stringify(all)}`);
  }
  for (const route of sample.policy?.routes ?? []) {
    const data = (ipv4(route.dev)['route-data'] as Record<string, unknown>[] | undefined) ?? [];
    const [dest, prefix] = split(route.to);
    const found = data.some((r) => r['dest'] === dest && r['prefix'] === Number(prefix) && r['next-hop'] === route.via && r['table'] === route.table);
    assert.ok(found, `no route ${JSON.stringify(route)} in ${route.dev}'s profile: ${JSON.stringify(data)}`);
  }
}

/** The NetworkManager profile for an interface: by interface-name, or for a NIC by its MAC. */
function nmProfile(sample: Sample, connections: Map<string, NmSettings>, iface: string): NmSettings | undefined {
  const mac = sample.nics.find((n) => n.name === iface)?.mac;
  for (const c of connections.values()) {
    const device = nmDevice(c);
    if (device.interfaceName === iface || (device.interfaceName === undefined && mac !== undefined && device.mac === mac)) return c;
  }
  return undefined;
}

// Each test spends its time waiting on child processes, so several run at once.
describe('rendered network config is accepted by the real tools', { concurrency: 6 }, () => {
  for (const sample of SAMPLES) {
    it(`netplan: netplan generate accepts ${sample.file}`, (t) =>
      rendered(sample, 'netplan', async (root) => {
        const r = await validateNetplan(root);
        assert.ok(r.ok, failing(r.messages));
        // netplan hands every NIC to networkd: let networkd apply netplan's output to the NICs.
        // netplan 0.106 matches MACs with PermanentMACAddress=; the sandbox's veth NICs have
        // no permanent (burnt-in) address, so here the match is on the current MAC instead.
        await withTempDir('rt-netplan-out', async (out) => {
          writeFilesAtomically(
            out,
            [...r.generated]
              .filter(([path]) => path.startsWith('run/systemd/network/'))
              .map(([path, content]) => ({ path, content: content.replace(/^PermanentMACAddress=/gm, 'MACAddress='), mode: 0o644 })),
          );
          const nd = await validateNetworkd(out, networkdChecks(sample));
          // What networkd says about netplan's files is netplan's business: shown, not asserted.
          for (const m of nd.messages) t.diagnostic(`systemd-networkd on netplan's output: ${m}`);
          assertNicsConfigured(sample, nd, "netplan's");
        });
        const networks = [...r.generated.keys()].filter((p) => p.endsWith('.network'));
        for (const iface of Object.keys(sample.interfaces)) {
          const match = [...r.generated].some(([p, text]) => p.endsWith('.network') && new RegExp(`^Name=${iface.replace('.', '\\.')}$`, 'm').test(text));
          assert.ok(match, `netplan generated no .network matching ${iface}; it generated ${networks.join(', ')}`);
        }
      }));

    it(`networkd: systemd-networkd loads ${sample.file}`, () =>
      rendered(sample, 'networkd', async (root) => {
        const r = await validateNetworkd(root, networkdChecks(sample));
        assert.ok(r.ok, failing(r.messages));
        assertNicsConfigured(sample, r, 'cloud-init');
      }));

    it(`network-manager: libnm accepts ${sample.file}`, () =>
      rendered(sample, 'network-manager', async (root) => {
        const r = await validateNmKeyfiles(root);
        assert.ok(r.ok, failing(r.messages));
        for (const [iface, addresses] of Object.entries(sample.interfaces)) {
          const c = nmProfile(sample, r.connections, iface);
          assert.ok(c, `no NetworkManager profile for ${iface} among ${[...r.connections.keys()].join(', ')}`);
          assert.deepEqual(sorted(nmAddresses(c)), sorted(addresses), `static addresses of ${iface}'s profile after libnm normalized it`);
          const mtu = sample.mtu?.[iface];
          if (mtu !== undefined) assert.equal(nmMtu(c), mtu, `MTU of ${iface}'s profile`);
        }
        assertNmPolicy(sample, r.connections);
      }));

    it(`eni: ifupdown accepts ${sample.file}`, () =>
      rendered(sample, 'eni', async (root) => {
        const r = await validateEni(root);
        assert.ok(r.ok, failing(r.messages));
        // Bridge ports need no `auto`: ifupdown's bridge hook brings them up with the bridge.
        const bridgePorts = r.auto.flatMap((name) => (r.options.get(name)?.get('bridge-ports') ?? []).flatMap((v) => v.split(/\s+/)));
        for (const [iface, addresses] of Object.entries(sample.interfaces)) {
          assert.ok(r.commands.has(iface), `no iface stanza for ${iface}`);
          assert.ok(r.auto.includes(iface) || bridgePorts.includes(iface), `nothing brings ${iface} up at boot: ifquery --list gives ${r.auto.join(' ')}`);
          assert.deepEqual(sorted(eniAddresses(r.commands.get(iface) ?? [], iface)), sorted(addresses), `addresses ifup would add to ${iface}`);
          const mtu = sample.mtu?.[iface];
          if (mtu !== undefined) assert.deepEqual(r.options.get(iface)?.get('mtu'), [String(mtu)], `mtu option of ${iface} as ifquery reads it`);
        }
        assertEniPolicy(sample, [...r.commands.values()].flat());
      }));

    for (const flavor of ['rhel', 'suse'] as const) {
      it(`sysconfig-${flavor}: bash reads ${sample.file} as plain assignments`, () =>
        rendered(sample, `sysconfig-${flavor}`, async (root) => {
          const r = await validateSysconfig(root);
          assert.ok(r.ok, failing(r.messages));
          const dir = flavor === 'rhel' ? 'etc/sysconfig/network-scripts' : 'etc/sysconfig/network';
          for (const [iface, addresses] of Object.entries(sample.interfaces)) {
            const vars = r.variables.get(join(dir, `ifcfg-${iface}`));
            assert.ok(vars, `no ${dir}/ifcfg-${iface}; files: ${r.files.join(', ')}`);
            if (flavor === 'rhel') assert.equal(vars.get('DEVICE'), iface, `DEVICE in ifcfg-${iface}`);
            assert.deepEqual(sorted(sysconfigAddresses(vars)), sorted(addresses), `static addresses in ifcfg-${iface}`);
            const mtu = sample.mtu?.[iface];
            if (mtu !== undefined) assert.equal(vars.get('MTU'), String(mtu), `MTU in ifcfg-${iface}`);
          }
        }));
    }
  }
});
