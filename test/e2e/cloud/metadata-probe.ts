/**
 * Run in the test cloud's instance namespace by cloud.test.ts: the path a
 * network datasource takes before the OS network exists — ephemeral DHCP,
 * resolve a cloud DNS name through the lease's DNS server, fetch metadata
 * with the agent's HTTP client, tear down — printed as one JSON object.
 *   node --import tsx metadata-probe.ts <iface> <client> <url> [dns-name]
 */
import { Resolver } from 'node:dns/promises';
import { httpGet } from '../../../src/host/http.ts';
import { withEphemeralLease } from '../../../src/net/dhcp/ephemeral.ts';

const [iface = 'eth0', client = 'dhclient', url = 'http://169.254.169.254/', name] = process.argv.slice(2);
const notes: string[] = [];
const out: Record<string, unknown> = {};
await withEphemeralLease(iface, { exec: { root: '/', dryRun: false }, clients: [client], timeoutMs: 10_000, onNote: (m) => notes.push(m) }, async (lease) => {
  out['lease'] = lease;
  try {
    if (name !== undefined) {
      const resolver = new Resolver({ timeout: 2_000, tries: 2 });
      resolver.setServers(lease.dns);
      out['resolved'] = await resolver.resolve4(name);
    }
    const t0 = Date.now();
    const r = await httpGet(url, { timeoutMs: 3_000, retries: 1 });
    out['fetchMs'] = Date.now() - t0;
    out['status'] = r.status;
    out['body'] = r.body.toString('utf8');
  } catch (e) {
    out['error'] = (e as Error).message;
  }
});
// withEphemeralLease reports teardown problems as notes: none is a clean teardown.
out['teardown'] = notes;
process.stdout.write(`${JSON.stringify(out)}\n`);
