/**
 * Run inside the test cloud's instance namespace by ephemeral.test.ts:
 * obtain an ephemeral lease (or IPv6 link-local) on one NIC, record the
 * interface state while it is held, tear it down, and print one JSON object.
 *   node --import tsx ephemeral-probe.ts <iface> <client[,client...]> <timeoutMs> [dhcp|ipv6|check=<url>]
 */
import { runCommand } from '../../../src/host/exec.ts';
import { nowMs } from '../../../src/host/clock.ts';
import { ephemeralUnlessReachable, obtainEphemeralLease, type EphemeralNetwork } from '../../../src/net/dhcp/ephemeral.ts';
import { bringUpLinkLocal } from '../../../src/net/dhcp/ephemeral-ipv6.ts';

const [iface = 'eth0', clients = 'dhcpcd', timeout = '10000', mode = 'dhcp'] = process.argv.slice(2);
const exec = { root: '/', dryRun: false };
const ipJson = (argv: string[]): unknown => JSON.parse(runCommand(argv, exec).stdout || '[]');
const notes: string[] = [];
const print = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ ...o, notes, elapsedMs: nowMs() - t0 })}\n`);
const t0 = nowMs();
const opts = { exec, clients: clients.split(','), timeoutMs: Number(timeout), onNote: (m: string) => notes.push(m) };
try {
  if (mode === 'ipv6') {
    const ll = await bringUpLinkLocal(iface, opts);
    print({ ok: true, address: ll.address, changes: ll.changes, problems: ll.teardown(), again: ll.teardown() });
  } else {
    let net: EphemeralNetwork;
    if (mode.startsWith('check=')) {
      const outcome = await ephemeralUnlessReachable(iface, [mode.slice('check='.length)], { ...opts, checkTimeoutMs: 2_000 });
      if (outcome.kind === 'reachable') {
        print({ ok: true, reachable: outcome.url });
        process.exit(0);
      }
      net = outcome.network;
    } else {
      net = await obtainEphemeralLease(iface, opts);
    }
    const during = {
      addr: ipJson(['ip', '-j', '-4', 'addr', 'show', 'dev', iface]),
      routes: ipJson(['ip', '-j', '-4', 'route', 'show', 'table', 'main']),
    };
    print({ ok: true, lease: net.lease, changes: net.changes, during, problems: net.teardown(), again: net.teardown() });
  }
} catch (e) {
  print({ ok: false, error: (e as Error).message, name: (e as Error).name });
}
