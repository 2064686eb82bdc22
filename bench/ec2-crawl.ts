/**
 * The EC2 metadata crawl: stratus's Ec2 datasource against Debian's
 * cloud-init's DataSourceEc2, on the same test IMDS (test/e2e/cloud: IMDSv2
 * tokens required, `latencyMs` on every answer, a tree of about 150 keys:
 * four NICs, several public keys, block-device-mapping entries).
 *
 *   npm run bench:ec2 -- [--reps N] [--latency MS] [--json FILE]
 *
 * Both run in the test cloud's instance namespace, where eth0 is configured
 * statically (the IMDS answers at once, so stratus takes no ephemeral DHCP
 * lease and cloud-init's network variant needs none): no DHCP time on either
 * side.
 *
 * - stratus: the built bundle, `init --local --live-network` on a fresh temp
 *   root that identifies as AWS (DMI product_uuid "ec2…") with network
 *   config disabled; the times come from its log: "Ec2: crawled … in N ms"
 *   (token, version negotiation, tree, user-data, identity document) and
 *   "found datasource … in N ms" (the whole datasource, the reachability
 *   probe included).
 * - cloud-init: /usr/bin/python3 instantiates DataSourceEc2 (the network
 *   variant: no DHCP) with a Debian distro object and Paths in a temp dir,
 *   its platform check patched to say AWS (it would read DMI through
 *   dmidecode or /sys), and times crawl_metadata() (token, version, user
 *   data, meta-data, identity) inside get_data() (which adds the instance
 *   data it persists). Its URL check resolves two names that must not
 *   exist (DNS-redirect detection); the instance namespace has no DNS
 *   server, so those lookups would wait 30 s for the resolver's timeouts,
 *   where a VPC's resolver answers NXDOMAIN at once: the script makes name
 *   lookups fail at once (addresses still resolve), and says so.
 *
 * Runs interleave (stratus, cloud-init, stratus, …) after one warm-up of
 * each; medians, min and max, and the ratio cloud-init/stratus are printed
 * and written to bench/results/ec2-crawl.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { awsTree } from '../test/e2e/cloud/imds.ts';
import { startCloud, type ImdsTree, type TestCloud } from '../test/e2e/cloud/cloud.ts';
import { cloudInitVersion, loadAverage, requireRootAndFiles, spread, stats, writeResults, type Stats } from './lib.ts';
import { stratusCommand } from '../test/cli/cli.ts';

const { values } = parseArgs({ options: { reps: { type: 'string' }, latency: { type: 'string' }, json: { type: 'string' } } });
const REPS = Number(values.reps ?? 7);
const LATENCY_MS = Number(values.latency ?? 5);
if (!(REPS >= 5 && LATENCY_MS >= 0)) throw new Error('--reps must be ≥ 5, --latency ≥ 0');

const BENCH = dirname(fileURLToPath(import.meta.url));
const REPO = dirname(BENCH);
const STRATUS = join(REPO, 'dist/stratus.js');
const JSON_OUT = values.json ?? join(BENCH, 'results/ec2-crawl.json');
const PYTHON = '/usr/bin/python3';

const MACS = ['0a:b0:00:00:00:01', '0a:b0:00:00:00:02', '0a:b0:00:00:00:03', '0a:b0:00:00:00:04', '0a:b0:00:00:00:05', '0a:b0:00:00:00:06'];

function imdsTree(): ImdsTree {
  const tree = awsTree({
    instanceId: 'i-0bench00000000001',
    region: 'us-east-1',
    az: 'us-east-1a',
    hostname: 'ip-10-60-0-10.ec2.internal',
    instanceType: 'm6i.4xlarge',
    nics: MACS.map((mac, i) => ({
      mac,
      deviceNumber: i,
      ipv4s: [`10.${60 + i}.0.10`, `10.${60 + i}.0.11`],
      subnetV4: `10.${60 + i}.0.0/24`,
      ipv6s: [`2001:db8:${60 + i}::10`],
      subnetV6: `2001:db8:${60 + i}::/64`,
    })),
    publicKeys: Object.fromEntries(['alice', 'bob', 'carol', 'dave', 'erin', 'frank'].map((n) => [n, `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBench${n}Key ${n}@bench`])),
    userData: '#cloud-config\nruncmd: [[true]]\n',
  });
  // More block devices than the two awsTree has, as an instance with EBS volumes and instance stores shows.
  const md = tree['meta-data'];
  if (typeof md !== 'object') throw new Error('awsTree: no meta-data');
  md['block-device-mapping'] = { ami: '/dev/xvda', root: '/dev/xvda', ebs1: 'sdf', ebs2: 'sdg', ebs3: 'sdh', ebs4: 'sdi', ephemeral0: 'sdb', ephemeral1: 'sdc' };
  // Keys a public instance has besides awsTree's.
  Object.assign(md, { 'public-hostname': 'ec2-198-51-100-10.compute-1.amazonaws.com', 'public-ipv4': '198.51.100.10', hibernation: { configured: 'false' }, metrics: { vhostmd: '<?xml version="1.0" encoding="UTF-8"?>' } });
  return tree;
}

/** Leaves (keys with a value) under a tree, as a crawl fetches them. */
function leaves(t: ImdsTree): number {
  return Object.values(t).reduce((n, v) => n + (typeof v === 'string' ? 1 : leaves(v)), 0);
}

/**
 * cloud-init's side, run with Debian's python3 in the instance namespace.
 * Prints one JSON line: crawl_ms (crawl_metadata()), get_data_ms, and the
 * number of meta-data leaves it crawled (so a short crawl cannot pass for a
 * fast one).
 */
const CLOUD_INIT_SCRIPT = String.raw`
import ipaddress, json, shutil, socket, sys, tempfile, time
from cloudinit import distros, helpers
from cloudinit.sources import DataSourceEc2 as ec2

# Benchmark harness: the platform check reads DMI (dmidecode or /sys); this instance is AWS.
ec2.identify_platform = lambda: ec2.CloudNames.AWS

# wait_for_metadata_service() checks the URLs with util.is_resolvable_url, which first resolves two
# names that must not exist (DNS-redirect detection). The instance namespace has no DNS server, so
# each lookup would wait for the resolver's timeouts (30 s in all); a VPC's resolver answers NXDOMAIN
# at once. So a name lookup fails at once here, as there; addresses are resolved as usual.
_getaddrinfo = socket.getaddrinfo
def _fast_nxdomain(host, *args, **kwargs):
    try:
        ipaddress.ip_address(host)
    except (ValueError, TypeError):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return _getaddrinfo(host, *args, **kwargs)
socket.getaddrinfo = _fast_nxdomain

tmp = tempfile.mkdtemp(prefix="ci-ec2-bench-")
try:
    paths = helpers.Paths({"cloud_dir": tmp + "/cloud", "run_dir": tmp + "/run"})
    sys_cfg = {"datasource": {"Ec2": {"metadata_urls": ["http://169.254.169.254"], "timeout": 5, "max_wait": 120}}}
    distro = distros.fetch("debian")("debian", {}, paths)
    ds = ec2.DataSourceEc2(sys_cfg, distro, paths)
    times = {}
    crawl = ds.crawl_metadata
    def timed_crawl():
        t = time.monotonic()
        r = crawl()
        times["crawl_ms"] = (time.monotonic() - t) * 1000
        return r
    ds.crawl_metadata = timed_crawl
    t = time.monotonic()
    ok = ds.get_data()
    times["get_data_ms"] = (time.monotonic() - t) * 1000
    def count(d):
        return sum(count(v) if isinstance(v, dict) else 1 for v in d.values())
    md = ds.metadata or {}
    print(json.dumps({"ok": bool(ok), "instance_id": md.get("instance-id"), "leaves": count(md), **times}))
finally:
    shutil.rmtree(tmp, ignore_errors=True)
`;

interface Sample {
  crawlMs: number;
  datasourceMs: number;
  /** The whole process (start-up included), measured from outside. */
  processMs: number;
}

async function stratusRun(cloud: TestCloud): Promise<Sample> {
  const root = mkdtempSync(join(tmpdir(), 'stratus-bench-ec2-'));
  try {
    const put = (p: string, text: string) => {
      mkdirSync(dirname(join(root, p)), { recursive: true });
      writeFileSync(join(root, p), text);
    };
    put('sys/class/dmi/id/product_uuid', 'ec2b0000-0000-4000-8000-00000000b0b0\n');
    put('etc/cloud/cloud.cfg', 'datasource_list: [ Ec2, None ]\nnetwork: {config: disabled}\n');
    put('etc/os-release', 'ID=debian\nVERSION_ID="12"\n');
    const t = performance.now();
    const r = await cloud.run([...stratusCommand(STRATUS), '--root', root, '--live-network', 'init', '--local'], { timeoutMs: 120_000 });
    const processMs = performance.now() - t;
    const log = readFileSync(join(root, 'var/log/cloud-init.log'), 'utf8');
    if (r.code !== 0) throw new Error(`stratus exited ${r.code}: ${r.stderr}\n${log}`);
    if (!/answers already; no ephemeral DHCP/.test(log)) throw new Error(`stratus took an ephemeral lease (DHCP time would be measured):\n${log}`);
    const crawl = /Ec2: crawled \S+ \(API [^)]+\) in (\d+(?:\.\d+)?) ms/.exec(log);
    const found = /found datasource DataSourceEc2 in (\d+(?:\.\d+)?) ms/.exec(log);
    if (!crawl?.[1] || !found?.[1]) throw new Error(`stratus: no crawl or datasource time in the log:\n${log}`);
    return { crawlMs: Number(crawl[1]), datasourceMs: Number(found[1]), processMs };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function cloudInitRun(cloud: TestCloud, expectLeaves: number): Promise<Sample> {
  const t = performance.now();
  const r = await cloud.run([PYTHON, '-c', CLOUD_INIT_SCRIPT], { timeoutMs: 300_000 });
  const processMs = performance.now() - t;
  const line = r.stdout.trim().split('\n').pop() ?? '';
  let out: { ok?: boolean; instance_id?: string; leaves?: number; crawl_ms?: number; get_data_ms?: number };
  try {
    out = JSON.parse(line) as typeof out;
  } catch {
    throw new Error(`cloud-init: no result (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  if (out.ok !== true || out.instance_id !== 'i-0bench00000000001' || out.crawl_ms === undefined || out.get_data_ms === undefined) {
    throw new Error(`cloud-init's datasource failed: ${line}\n${r.stderr}`);
  }
  if (out.leaves !== expectLeaves) throw new Error(`cloud-init crawled ${out.leaves} meta-data leaves, the tree has ${expectLeaves}`);
  return { crawlMs: out.crawl_ms, datasourceMs: out.get_data_ms, processMs };
}

// ---------------------------------------------------------------- run

requireRootAndFiles('bench/ec2-crawl.ts', [
  [STRATUS, 'npm run build'],
  ['/usr/lib/python3/dist-packages/cloudinit/sources/DataSourceEc2.py', 'apt-get install --no-install-recommends cloud-init'],
]);
const ciVersion = cloudInitVersion();

const tree = imdsTree();
const mdLeaves = leaves(tree['meta-data'] as ImdsTree);
const totalKeys = leaves(tree);
const cloud = await startCloud({
  nics: [{ name: 'eth0', mac: MACS[0]!, cloudAddress: '10.60.0.1/24' }],
  addresses: ['169.254.169.254'],
  http: { listen: ['169.254.169.254'], imds: { httpTokens: 'required', latencyMs: LATENCY_MS, tree } },
});
const runs: { stratus: Sample[]; 'cloud-init': Sample[] } = { stratus: [], 'cloud-init': [] };
let requests: { stratus: number; 'cloud-init': number } = { stratus: 0, 'cloud-init': 0 };
try {
  // The instance's NIC as the OS network would have it: the IMDS answers at once, no DHCP on either side.
  for (const argv of [
    ['ip', 'link', 'set', 'eth0', 'up'],
    ['ip', 'addr', 'add', '10.60.0.10/24', 'dev', 'eth0'],
    ['ip', 'route', 'add', 'default', 'via', '10.60.0.1'],
  ]) {
    const r = await cloud.run(argv);
    if (r.code !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
  }
  console.log(`stratus (${STRATUS}) vs cloud-init ${ciVersion}; node ${process.version}; ${cpus().length} CPUs; load average ${loadAverage()}`);
  console.log(`IMDS: ${totalKeys} keys (${mdLeaves} under meta-data), ${LATENCY_MS} ms latency per answer, IMDSv2 tokens required; ${REPS} runs each after one warm-up, interleaved\n`);
  for (let i = -1; i < REPS; i++) {
    await cloud.requests();
    const s = await stratusRun(cloud);
    const sReq = (await cloud.requests()).length;
    const c = await cloudInitRun(cloud, mdLeaves);
    const cReq = (await cloud.requests()).length;
    if (i >= 0) {
      runs.stratus.push(s);
      runs['cloud-init'].push(c);
      requests = { stratus: sReq, 'cloud-init': cReq };
    }
    process.stderr.write(i < 0 ? 'w' : '.');
  }
  process.stderr.write('\n');
} finally {
  await cloud.close();
}

const sum = (xs: Sample[]) => ({
  crawl_ms: stats(xs.map((x) => x.crawlMs)),
  datasource_ms: stats(xs.map((x) => x.datasourceMs)),
  process_ms: stats(xs.map((x) => x.processMs)),
});
const st = sum(runs.stratus);
const ci = sum(runs['cloud-init']);
const ratio = (a: Stats, b: Stats) => ({ median: a.median / b.median, worst: a.min / b.max });
const ratios = { crawl: ratio(ci.crawl_ms, st.crawl_ms), datasource: ratio(ci.datasource_ms, st.datasource_ms), process: ratio(ci.process_ms, st.process_ms) };

const row = (label: string, a: Stats, b: Stats, r: { median: number; worst: number }) =>
  console.log(`${label.padEnd(34)} ${spread(a).padEnd(26)} ${spread(b).padEnd(26)} x${r.median.toFixed(1)} (worst x${r.worst.toFixed(1)})`);
console.log(`${''.padEnd(34)} ${'stratus ms'.padEnd(26)} ${'cloud-init ms'.padEnd(26)} cloud-init/stratus`);
row('crawl (token … identity)', st.crawl_ms, ci.crawl_ms, ratios.crawl);
row('datasource (found / get_data())', st.datasource_ms, ci.datasource_ms, ratios.datasource);
row('whole process', st.process_ms, ci.process_ms, ratios.process);
console.log(`\nrequests per run: stratus ${requests.stratus}, cloud-init ${requests['cloud-init']}`);
console.log(`crawl at least 5x faster: ${ratios.crawl.median >= 5 ? 'yes' : 'NO'} (median ratio x${ratios.crawl.median.toFixed(1)})`);

writeResults(JSON_OUT, ciVersion, {
  imds: { keys: totalKeys, meta_data_leaves: mdLeaves, latency_ms: LATENCY_MS, tokens: 'required' },
  reps: REPS,
  requests_per_run: requests,
  stratus: st,
  cloud_init_ds: ci,
  ratio_cloud_init_over_stratus: ratios,
  samples: runs,
});
console.log(`written: ${JSON_OUT}`);
