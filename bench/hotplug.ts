/**
 * NIC hotplug on EC2: stratus's hotplug handler against Debian 12's
 * cloud-init 22.4 handler (cloudinit/cmd/devel/hotplug_hook.py), one udev
 * event at a time, on the test IMDS (test/e2e/cloud: IMDSv2 tokens
 * required, 5 ms latency on every answer). Issue: "NIC hotplug: add events
 * that wait for complete metadata, remove events that never stall".
 *
 *   npm run bench:hotplug -- [--reps N] [--scenarios 1,2,3,4,5] [--json FILE]
 *
 * Scenarios (fresh NIC name, MAC and subnet for every run; every NIC is a
 * veth pair the test cloud moves into the instance namespace, its MAC
 * listed in the IMDS with device-number 1, two private IPv4 addresses and
 * one IPv6 address; after a run the NIC is detached and its MAC deleted
 * from the IMDS, so every instance has eth0 plus at most one more NIC):
 *   1. add; the new NIC's `ipv6s` key published 0 s after the attach;
 *   2. add; `ipv6s` published 3 s after the attach;
 *   3. add; `ipv6s` published 12 s after the attach;
 *   4. remove of a NIC really detached: the IMDS stops listing its MAC and
 *      the link is deleted at the same moment, then the event is handled;
 *   5. driver reload: the NIC stays attached and listed. stratus gets the
 *      burst udev queues for it (remove + add through --events-from, as
 *      test/e2e/hotplug.test.ts does); cloud-init's handler is called with
 *      udevaction remove while the MAC is still listed (it retries after
 *      1, 3, 5, 10, 30 s, then raises).
 * For 4 and 5 the NIC is added and handled by each agent first (not
 * measured), so both have it configured before the measured event.
 *
 * Measured per run (the event is the start of the handler process, right
 * after the attach or the detach; "the data" is the `ipv6s` key):
 *   - handler ms: the process from start to exit (start-up included, as
 *     udev starts one per event), in the instance namespace;
 *   - complete ms after the data: from the moment the IMDS serves `ipv6s`
 *     to the moment the NIC's rendered networkd file has both its
 *     secondary IPv4 address and its IPv6 (stratus: the `2001:db8:…`
 *     address in the file; cloud-init: `DHCP=yes` or `DHCP=ipv6`, its
 *     way of enabling DHCPv6 when `ipv6s` is listed); "never" when the
 *     handler returned without it. stratus: the time stamp of its
 *     "configured in N ms" log line, written right after its last apply;
 *     cloud-init: the time the patched apply (below) finished rendering;
 *   - applies: stratus's "(R refresh(es), A apply(ies))" log line (writes
 *     that changed files); cloud-init: calls of apply_network_config;
 *   - IMDS requests: what the test cloud's HTTP server saw during the run;
 *   - peak RSS: GNU `/usr/bin/time -f %M` around the process.
 *
 * What runs:
 *   - stratus: the built bundle (dist/stratus.js) with `--root ROOT
 *     --live-network`, on a temp target root set up as the e2e test does
 *     (DMI product_uuid "ec2…", the networkd renderer's marker,
 *     /etc/cloud/cloud.cfg with `datasource_list: [ Ec2, None ]` and
 *     `hotplug: include_virtual: true` because the test NICs are veths),
 *     after one `init --local` with eth0 already up statically (the IMDS
 *     answers through it). Per event: `hotplug-hook --subsystem net handle
 *     --devpath /devices/virtual/net/NAME --udevaction add|remove` (or
 *     `--events-from FILE`). Everything it writes is under ROOT; with a
 *     root other than / it runs no commands (no networkctl).
 *   - cloud-init: /usr/bin/python3 -B, one process per event (as
 *     `cloud-init devel hotplug-hook` is one per event), calling the real
 *     hotplug_hook.handle_hotplug(init, devpath, "net", action) with the
 *     real cloudinit.stages.Init: Init.fetch(existing="trust") unpickles
 *     the cached datasource (obj.pkl), Init._write_to_cache pickles it back,
 *     the real retry loop and sleeps [1, 3, 5, 10, 30] s, the real
 *     DataSourceEc2.update_metadata_if_supported (a whole crawl: token,
 *     version, user-data, meta-data, identity), detection, network_config.
 *     The pickle comes from a setup step, not measured: DataSourceEc2 (the
 *     network variant) crawls once with a Debian distro and Paths in the
 *     temp dir, and is pickled to <tmp>/cloud/instance/obj.pkl as Init
 *     would after boot. Patched, and why:
 *       * Init._read_cfg returns a fixed config: paths (cloud_dir, run_dir)
 *         in the temp dir, `updates: {network: {when: [boot-new-instance,
 *         hotplug]}}` (Ec2 in 22.4 does not enable hotplug by default:
 *         stages.update_event_enabled would say no), the Ec2 datasource
 *         config below. The real one reads the host's /etc/cloud.
 *       * DataSourceEc2 config: metadata_urls [http://169.254.169.254] (as
 *         bench/ec2-crawl.ts; the other defaults are not served here).
 *       * ec2.identify_platform → AWS (it reads DMI: dmidecode or /sys).
 *       * socket.getaddrinfo fails at once for names (addresses resolve as
 *         usual): the namespace has no DNS server and cloud-init's
 *         DNS-redirect check would wait 30 s for resolver timeouts where a
 *         VPC resolver answers NXDOMAIN at once (as bench/ec2-crawl.ts).
 *       * Distro.apply_network_config renders into <tmp>/target with
 *         cloudinit.net.networkd's Renderer (parse_net_config_data, then
 *         render_network_state(target=…)) instead of the host's /etc, and
 *         notes the time and whether the NIC's file is complete. The real
 *         one picks a renderer from the host (and Debian's also removes a
 *         legacy eth0 file in /etc/network); the parse and render are the
 *         same work.
 *       * Distro.network_activator gives an activator whose
 *         bring_up_interface / bring_down_interface note the call and
 *         return True without touching links (the real ones run ifup,
 *         networkctl or netplan, which talk to the host's services).
 *       * Logging goes to <tmp>/cloud-init.log (DEBUG, as the real hook's
 *         setupLogging), the reporter is the default one.
 *     An audit hook refuses (and reports) any write, rename, delete,
 *     mkdir, chmod or chown outside the temp dir, and any command but
 *     `uname` and `systemd-detect-virt` (which only report: the
 *     architecture, util.is_container); the bench fails if one was
 *     attempted. Recorded without changing
 *     anything: the MAC that hotplug_hook's read_sys_net_safe read from
 *     /sys (the namespace's, as `ip netns exec` remounts /sys), and the
 *     datasource's metadata_address (checked to be the namespace's IMDS).
 *
 * Runs interleave (stratus, cloud-init, stratus, …) after one warm-up add
 * of each; medians, min and max, and the ratio cloud-init/stratus are
 * printed and written to bench/results/hotplug.json. Default 3 runs per
 * scenario: cloud-init's scenario 5 takes about 50 s per run.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { awsTree, type AwsNic } from '../test/e2e/cloud/imds.ts';
import { startCloud, type ImdsTree, type TestCloud } from '../test/e2e/cloud/cloud.ts';
import { cloudInitVersion, lastLine, loadAverage, requireRootAndFiles, spread, stats, writeResults, type Stats } from './lib.ts';
import { stratusCommand } from '../test/cli/cli.ts';

const { values } = parseArgs({ options: { reps: { type: 'string' }, scenarios: { type: 'string' }, json: { type: 'string' } } });
const REPS = Number(values.reps ?? 3);
const SCENARIOS = (values.scenarios ?? '1,2,3,4,5').split(',').map((s) => Number(s.trim()));
if (!(Number.isInteger(REPS) && REPS >= 1)) throw new Error('--reps must be an integer ≥ 1');
if (SCENARIOS.some((s) => !(Number.isInteger(s) && s >= 1 && s <= 5))) throw new Error('--scenarios: numbers from 1 to 5, comma-separated');

const BENCH = dirname(fileURLToPath(import.meta.url));
const REPO = dirname(BENCH);
const STRATUS = join(REPO, 'dist/stratus.js');
const JSON_OUT = values.json ?? join(BENCH, 'results/hotplug.json');
const PYTHON = '/usr/bin/python3';
const TIME = '/usr/bin/time';
const LATENCY_MS = 5;
const MAC0 = '0a:b2:00:00:00:00';
const INSTANCE_ID = 'i-0b0b0b0b0b0b0b0b1';

interface Scenario {
  id: number;
  title: string;
  kind: 'add' | 'remove' | 'reload';
  /** add: when `ipv6s` appears, after the attach. */
  delayMs: number;
}
const ALL: Scenario[] = [
  { id: 1, title: 'add, ipv6s published at once', kind: 'add', delayMs: 0 },
  { id: 2, title: 'add, ipv6s published 3 s later', kind: 'add', delayMs: 3_000 },
  { id: 3, title: 'add, ipv6s published 12 s later', kind: 'add', delayMs: 12_000 },
  { id: 4, title: 'remove of a NIC really detached', kind: 'remove', delayMs: 0 },
  { id: 5, title: 'driver reload (remove while attached and listed)', kind: 'reload', delayMs: 0 },
];

// ---------------------------------------------------------------- NICs

interface Nic {
  name: string;
  mac: string;
  /** The second private IPv4 (the one only the metadata gives). */
  v4second: string;
  v6: string;
  cloudAddress: string;
  aws: AwsNic;
}

let nicCount = 0;
/** A NIC never used before in this run: name, MAC, subnets. */
function freshNic(): Nic {
  const k = ++nicCount;
  const a = 100 + (k >> 8);
  const b = k & 255;
  const hex = k.toString(16).padStart(4, '0');
  const v6 = `2001:db8:b${hex.slice(1)}::10`;
  return {
    name: `eth${k}`,
    mac: `0a:b2:00:00:${hex.slice(0, 2)}:${hex.slice(2)}`,
    v4second: `10.${a}.${b}.11`,
    v6,
    cloudAddress: `10.${a}.${b}.1/24`,
    aws: { mac: `0a:b2:00:00:${hex.slice(0, 2)}:${hex.slice(2)}`, deviceNumber: 1, ipv4s: [`10.${a}.${b}.10`, `10.${a}.${b}.11`], subnetV4: `10.${a}.${b}.0/24`, ipv6s: [v6], subnetV6: `2001:db8:b${hex.slice(1)}::/64` },
  };
}

const macPath = (mac: string) => `meta-data/network/interfaces/macs/${mac}`;

/** The NIC's subtree as awsTree lays it out. */
function macSubtree(nic: Nic): ImdsTree {
  const t = awsTree({ instanceId: INSTANCE_ID, region: 'us-east-1', az: 'us-east-1a', hostname: 'x', nics: [{ ...nic.aws, deviceNumber: 0 }] });
  const md = t['meta-data'] as ImdsTree;
  const sub = (((md['network'] as ImdsTree)['interfaces'] as ImdsTree)['macs'] as ImdsTree)[nic.mac] as ImdsTree;
  sub['device-number'] = '1';
  sub['local-hostname'] = `ip-${nic.aws.ipv4s[0]!.replace(/\./g, '-')}.ec2.internal`;
  return sub;
}

// ---------------------------------------------------------------- cloud-init's side

/**
 * One script, two modes: `setup TMP` crawls once and pickles the datasource
 * as Init would after boot; `handle TMP DEVPATH ACTION NAME V4SECOND` is one
 * udev event through the real handle_hotplug. Prints one JSON line.
 */
const CLOUD_INIT_SCRIPT = String.raw`
import copy, ipaddress, json, logging, os, socket, sys, time

MODE, TMP = sys.argv[1], os.path.realpath(sys.argv[2])
VIOLATIONS = []
# Commands that only report (util.is_container, the architecture): run as usual, and listed.
READ_ONLY_COMMANDS = {"uname", "systemd-detect-virt"}
COMMANDS = []

# Safety: nothing is written outside the temp dir, and no command is run (an
# activator or a renderer would otherwise reach the host's network services).
def _inside(p):
    if isinstance(p, int):
        return True
    if isinstance(p, bytes):
        p = os.fsdecode(p)
    p = os.path.realpath(os.path.abspath(str(p)))
    return p == TMP or p.startswith(TMP + os.sep) or p == "/dev/null"

def _command(args):
    exe = args[0] if args[0] is not None else (args[1][0] if isinstance(args[1], (list, tuple)) and args[1] else args[1])
    try:
        return os.path.basename(os.fsdecode(exe))
    except TypeError:
        return repr(exe)

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_PATH_EVENTS = {"os.mkdir": 1, "os.remove": 1, "os.rmdir": 1, "os.chmod": 1, "os.chown": 1, "os.truncate": 1,
                "os.utime": 1, "os.rename": 2, "os.replace": 2, "os.link": 2, "os.symlink": 2, "shutil.rmtree": 1}
def _audit(event, args):
    if event == "open":
        path, mode, flags = args
        writing = any(c in mode for c in "wax+") if isinstance(mode, str) else bool((flags or 0) & _WRITE_FLAGS)
        if writing and not _inside(path):
            VIOLATIONS.append("open for writing: %s" % (path,))
            raise PermissionError("bench: write outside the temp dir refused: %s" % (path,))
    elif event in _PATH_EVENTS:
        for p in args[:_PATH_EVENTS[event]]:
            if not _inside(p):
                VIOLATIONS.append("%s %s" % (event, p))
                raise PermissionError("bench: %s outside the temp dir refused" % event)
    elif event == "subprocess.Popen" and _command(args) in READ_ONLY_COMMANDS:
        COMMANDS.append(_command(args))
    elif event in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.fork"):
        VIOLATIONS.append("%s %s" % (event, args[:2]))
        raise PermissionError("bench: %s refused" % event)
sys.addaudithook(_audit)

from cloudinit import distros, helpers, sources, stages
from cloudinit.net import networkd
from cloudinit.net.network_state import parse_net_config_data
from cloudinit.sources import DataSourceEc2 as ec2

# The platform check reads DMI (dmidecode or /sys); this instance is AWS.
ec2.identify_platform = lambda: ec2.CloudNames.AWS

# No DNS server in the namespace: name lookups fail at once (a VPC's resolver answers NXDOMAIN at once).
_getaddrinfo = socket.getaddrinfo
def _fast_nxdomain(host, *args, **kwargs):
    try:
        ipaddress.ip_address(host)
    except (ValueError, TypeError):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return _getaddrinfo(host, *args, **kwargs)
socket.getaddrinfo = _fast_nxdomain

logging.basicConfig(filename=TMP + "/cloud-init.log", level=logging.DEBUG,
                    format="%(asctime)s - %(filename)s[%(levelname)s]: %(message)s", force=True)

DS_CFG = {"Ec2": {"metadata_urls": ["http://169.254.169.254"], "timeout": 5, "max_wait": 120}}
PATHS = {"cloud_dir": TMP + "/cloud", "run_dir": TMP + "/run"}

if MODE == "setup":
    paths = helpers.Paths(PATHS)
    distro = distros.fetch("debian")("debian", {}, paths)
    ds = ec2.DataSourceEc2({"datasource": DS_CFG}, distro, paths)
    ok = ds.get_data()
    iid = ds.get_instance_id()
    idir = os.path.join(PATHS["cloud_dir"], "instances", iid)
    os.makedirs(idir, exist_ok=True)
    if not os.path.lexists(paths.instance_link):
        os.symlink(idir, paths.instance_link)
    ds.network_config  # computed at boot, as the init stage does
    stored = sources.pkl_store(ds, paths.get_ipath_cur("obj_pkl"))
    print(json.dumps({"ok": bool(ok) and stored, "instance_id": iid, "metadata_address": ds.metadata_address, "violations": VIOLATIONS}))
    sys.exit(0)

DEVPATH, ACTION, NAME, V4SECOND = sys.argv[3:7]
TARGET = TMP + "/target"
NETFILE = TARGET + "/etc/systemd/network/10-cloud-init-" + NAME + ".network"
APPLIES, ACTIVATIONS, SEEN = [], [], {}

def _complete():
    try:
        with open(NETFILE) as f:
            text = f.read()
    except OSError:
        return {"ipv4": False, "ipv6": False}
    dhcp = [l.split("=", 1)[1].strip() for l in text.splitlines() if l.startswith("DHCP=")]
    return {"ipv4": ("Address=" + V4SECOND + "/") in text and any(d in ("yes", "ipv4", "true") for d in dhcp),
            "ipv6": any(d in ("yes", "ipv6") for d in dhcp) or "2001:db8:" in text}

def apply_network_config(self, netconfig, bring_up=False):
    network_state = parse_net_config_data(netconfig)
    networkd.Renderer().render_network_state(network_state, target=TARGET)
    APPLIES.append({"t": time.time() * 1000, **_complete()})
    return False
distros.Distro.apply_network_config = apply_network_config

class BenchActivator:
    @staticmethod
    def bring_up_interface(name):
        ACTIVATIONS.append(["up", name, time.time() * 1000])
        return True
    @staticmethod
    def bring_down_interface(name):
        ACTIVATIONS.append(["down", name, time.time() * 1000])
        return True
distros.Distro.network_activator = property(lambda self: BenchActivator)

from cloudinit.cmd.devel import hotplug_hook
_read_sys_net_safe = hotplug_hook.read_sys_net_safe
def _recording_read(iface, field, *a, **k):
    v = _read_sys_net_safe(iface, field, *a, **k)
    SEEN.setdefault("sysfs", []).append([iface, field, v])
    return v
hotplug_hook.read_sys_net_safe = _recording_read

CFG = {
    "system_info": {"distro": "debian", "paths": PATHS},
    "datasource_list": ["Ec2", "None"],
    "datasource": DS_CFG,
    "updates": {"network": {"when": ["boot-new-instance", "hotplug"]}},
}
init = stages.Init(ds_deps=[])
init._read_cfg = lambda extra_fns=None: copy.deepcopy(CFG)
started = time.time() * 1000
error = None
try:
    hotplug_hook.handle_hotplug(hotplug_init=init, devpath=DEVPATH, subsystem="net", udevaction=ACTION)
except Exception as e:
    error = "%s: %s" % (type(e).__name__, e)
ended = time.time() * 1000
ds = init.datasource
print(json.dumps({
    "error": error, "started": started, "ended": ended, "applies": APPLIES, "activations": ACTIVATIONS,
    "sysfs": SEEN.get("sysfs", []), "metadata_address": getattr(ds, "metadata_address", None),
    "restored": init.ds_restored, "final": _complete(), "violations": VIOLATIONS, "commands": COMMANDS,
}))
sys.exit(1 if error else 0)
`;

// ---------------------------------------------------------------- runs

interface Sample {
  /** The handler process, start to exit. */
  handlerMs: number;
  /** add: ms from `ipv6s` being served to the NIC completely configured; null: never (the handler returned without it). */
  completeMs: number | null;
  applies: number;
  requests: number;
  rssKb: number;
  exit: number | null;
  /** What happened, in words (for the remove scenarios). */
  outcome: string;
}

interface Sides {
  stratus: { root: string; log: () => string };
  ci: { dir: string; script: string };
  work: string;
}

/** argv wrapped in GNU time, its output in a fresh file under `work`. */
function timed(work: string, argv: string[]): { argv: string[]; rss: () => number } {
  const f = join(work, `time-${Math.random().toString(36).slice(2)}`);
  return {
    argv: [TIME, '-f', '%M', '-o', f, ...argv],
    rss: () => {
      const v = Number(lastLine(readFileSync(f, 'utf8')));
      rmSync(f, { force: true });
      return v;
    },
  };
}

function stratusNetFile(s: Sides, name: string): string {
  try {
    return readFileSync(join(s.stratus.root, `etc/systemd/network/10-cloud-init-${name}.network`), 'utf8');
  } catch {
    return '';
  }
}

function stratusComplete(file: string, nic: Nic): boolean {
  return file.includes(nic.v4second) && file.includes(nic.v6);
}

/** stratus: one hotplug-hook process; `events` ("DEVPATH ACTION" lines) go through --events-from. */
async function stratusHook(cloud: TestCloud, s: Sides, nic: Nic, action: 'add' | 'remove' | 'reload'): Promise<{ ms: number; code: number | null; out: string; log: string; rssKb: number; end: number }> {
  let args: string[];
  if (action === 'reload') {
    const f = join(s.stratus.root, 'tmp/hotplug-events');
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, `/devices/virtual/net/${nic.name} remove\n/devices/virtual/net/${nic.name} add\n`);
    args = ['--events-from', f];
  } else {
    args = ['--devpath', `/devices/virtual/net/${nic.name}`, '--udevaction', action];
  }
  const logBefore = s.stratus.log().length;
  const t = timed(s.work, [...stratusCommand(STRATUS), '--root', s.stratus.root, '--live-network', 'hotplug-hook', '--subsystem', 'net', 'handle', ...args]);
  const start = Date.now();
  const r = await cloud.run(t.argv, { timeoutMs: 120_000 });
  const end = Date.now();
  return { ms: end - start, code: r.code, out: `${r.stdout}${r.stderr}`, log: s.stratus.log().slice(logBefore), rssKb: t.rss(), end };
}

interface CiOut {
  error: string | null;
  started: number;
  ended: number;
  applies: { t: number; ipv4: boolean; ipv6: boolean }[];
  activations: [string, string, number][];
  sysfs: [string, string, unknown][];
  metadata_address: string | null;
  restored: boolean;
  final: { ipv4: boolean; ipv6: boolean };
  violations: string[];
}

/** cloud-init: one python process through handle_hotplug. */
async function cloudInitHook(cloud: TestCloud, s: Sides, nic: Nic, action: 'add' | 'remove'): Promise<{ ms: number; code: number | null; out: CiOut; rssKb: number }> {
  const t = timed(s.work, [PYTHON, '-B', s.ci.script, 'handle', s.ci.dir, `/devices/virtual/net/${nic.name}`, action, nic.name, nic.v4second]);
  const start = Date.now();
  const r = await cloud.run(t.argv, { timeoutMs: 180_000 });
  const ms = Date.now() - start;
  const line = r.stdout.trim().split('\n').pop() ?? '';
  let out: CiOut;
  try {
    out = JSON.parse(line) as CiOut;
  } catch {
    throw new Error(`cloud-init: no result (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  if (out.violations.length > 0) throw new Error(`cloud-init tried to touch the host (refused): ${out.violations.join('; ')}`);
  if (!out.restored) throw new Error('cloud-init: the datasource was not restored from the pickle');
  if (out.metadata_address !== 'http://169.254.169.254') throw new Error(`cloud-init used metadata address ${out.metadata_address}`);
  const seen = out.sysfs.find((x) => x[0] === nic.name && x[1] === 'address');
  // add and reload: the NIC is there and its MAC is read from the namespace's /sys; remove: it is gone.
  if (action === 'add' && seen?.[2] !== nic.mac) throw new Error(`cloud-init read ${JSON.stringify(seen)} for ${nic.name}, expected ${nic.mac}`);
  return { ms, code: r.code, out, rssKb: t.rss() };
}

/** Attach a fresh NIC, listed in the IMDS, `ipv6s` appearing `delayMs` after; returns the time `ipv6s` is served from. */
async function attach(cloud: TestCloud, nic: Nic, delayMs: number): Promise<number> {
  await cloud.imdsSet(macPath(nic.mac), macSubtree(nic));
  await cloud.imdsConfigure({ httpTokens: 'required', latencyMs: LATENCY_MS, appear: [{ path: `${macPath(nic.mac)}/ipv6s`, afterMs: delayMs }] });
  await cloud.imdsResetClock();
  const reset = Date.now();
  await cloud.addNic({ name: nic.name, mac: nic.mac, cloudAddress: nic.cloudAddress });
  return reset + delayMs;
}

/** Detach: the IMDS stops listing the MAC and the link goes, at the same moment. */
async function detach(cloud: TestCloud, nic: Nic, present: { link: boolean; listed: boolean }): Promise<void> {
  await Promise.all([present.listed ? cloud.imdsDelete(macPath(nic.mac)) : null, present.link ? cloud.removeNic(nic.name) : null]);
  present.link = false;
  present.listed = false;
}

const CONFIGURED = /hotplug: (\S+) \(([0-9a-f:]+)\) configured in (\d+) ms \((\d+) refresh\(es\), (\d+) apply\(ies\)\)/;
const stamp = (line: string) => Date.parse(`${line.slice(0, 23).replace(' ', 'T')}Z`);

async function stratusAdd(cloud: TestCloud, s: Sides, delayMs: number): Promise<Sample> {
  const nic = freshNic();
  const present = { link: true, listed: true };
  try {
    const dataAt = await attach(cloud, nic, delayMs);
    await cloud.requests();
    const r = await stratusHook(cloud, s, nic, 'add');
    const requests = (await cloud.requests()).length;
    if (r.code !== 0) throw new Error(`stratus exited ${r.code}: ${r.out}\n${r.log}`);
    const file = stratusNetFile(s, nic.name);
    const line = r.log.split('\n').find((l) => CONFIGURED.test(l) && l.includes(`(${nic.mac})`));
    const m = line ? CONFIGURED.exec(line) : null;
    const complete = stratusComplete(file, nic);
    if (complete && !line) throw new Error(`stratus: complete file but no "configured in" line:\n${r.log}`);
    return {
      handlerMs: r.ms,
      completeMs: complete && line ? Math.max(0, stamp(line) - dataAt) : null,
      applies: m ? Number(m[5]) : NaN,
      requests,
      rssKb: r.rssKb,
      exit: r.code,
      outcome: complete ? 'configured (IPv4 and IPv6)' : file.includes(nic.v4second) ? 'IPv4 only' : 'not configured',
    };
  } finally {
    await detach(cloud, nic, present);
  }
}

async function cloudInitAdd(cloud: TestCloud, s: Sides, delayMs: number): Promise<Sample> {
  const nic = freshNic();
  const present = { link: true, listed: true };
  try {
    const dataAt = await attach(cloud, nic, delayMs);
    await cloud.requests();
    const r = await cloudInitHook(cloud, s, nic, 'add');
    const requests = (await cloud.requests()).length;
    const done = r.out.applies.find((a) => a.ipv4 && a.ipv6);
    const f = r.out.final;
    return {
      handlerMs: r.ms,
      completeMs: done ? Math.max(0, done.t - dataAt) : null,
      applies: r.out.applies.length,
      requests,
      rssKb: r.rssKb,
      exit: r.code,
      outcome: r.out.error ? `raised (${r.out.error.replace(nic.mac, '<MAC>')})` : f.ipv4 && f.ipv6 ? 'configured (IPv4 and IPv6)' : f.ipv4 ? 'IPv4 only (dhcp6 off)' : 'not configured',
    };
  } finally {
    await detach(cloud, nic, present);
  }
}

/** Scenarios 4 and 5: a NIC attached and handled by both agents first (not measured). */
async function prepared(cloud: TestCloud, s: Sides): Promise<{ nic: Nic; present: { link: boolean; listed: boolean } }> {
  const nic = freshNic();
  const present = { link: true, listed: true };
  await attach(cloud, nic, 0);
  const a = await stratusHook(cloud, s, nic, 'add');
  if (a.code !== 0 || !stratusComplete(stratusNetFile(s, nic.name), nic)) throw new Error(`setup: stratus did not configure ${nic.name}:\n${a.out}\n${a.log}`);
  const b = await cloudInitHook(cloud, s, nic, 'add');
  if (b.code !== 0 || !(b.out.final.ipv4 && b.out.final.ipv6)) throw new Error(`setup: cloud-init did not configure ${nic.name}: ${JSON.stringify(b.out)}`);
  return { nic, present };
}

async function removeBoth(cloud: TestCloud, s: Sides, kind: 'remove' | 'reload'): Promise<{ stratus: Sample; ci: Sample }> {
  const { nic, present } = await prepared(cloud, s);
  try {
    if (kind === 'remove') await detach(cloud, nic, present);
    const before = { stratus: stratusNetFile(s, nic.name) };
    // stratus
    await cloud.requests();
    const a = await stratusHook(cloud, s, nic, kind);
    const aReq = (await cloud.requests()).length;
    if (a.code !== 0) throw new Error(`stratus exited ${a.code}: ${a.out}\n${a.log}`);
    const aApplies = [...a.log.matchAll(/(\d+) apply\(ies\)/g)].reduce((n, m) => n + Number(m[1]), 0);
    const aUnchanged = stratusNetFile(s, nic.name) === before.stratus;
    const aSays =
      kind === 'remove'
        ? /hotplug: \S+ is gone/.test(a.log)
          ? 'recorded as gone'
          : 'no "gone" line'
        : /is configured already/.test(a.log)
          ? 'configured already: nothing done'
          : 'reconfigured';
    const stratus: Sample = { handlerMs: a.ms, completeMs: null, applies: aApplies, requests: aReq, rssKb: a.rssKb, exit: a.code, outcome: `${aSays}${aUnchanged ? '' : '; its file changed'}` };
    // cloud-init
    await cloud.requests();
    const b = await cloudInitHook(cloud, s, nic, 'remove');
    const bReq = (await cloud.requests()).length;
    const downs = b.out.activations.filter((x) => x[0] === 'down').length;
    const ci: Sample = {
      handlerMs: b.ms,
      completeMs: null,
      applies: b.out.applies.length,
      requests: bReq,
      rssKb: b.rssKb,
      exit: b.code,
      outcome: b.out.error ? `raised (${b.out.error.replace(nic.mac, '<MAC>')})` : `applied, ${downs} bring-down(s)`,
    };
    return { stratus, ci };
  } finally {
    await detach(cloud, nic, present);
  }
}

// ---------------------------------------------------------------- setup

requireRootAndFiles('bench/hotplug.ts', [
  [STRATUS, 'npm run build'],
  ['/usr/lib/python3/dist-packages/cloudinit/cmd/devel/hotplug_hook.py', 'apt-get install --no-install-recommends cloud-init'],
  [TIME, 'apt-get install time'],
]);
const ciVersion = cloudInitVersion();

const work = mkdtempSync(join(tmpdir(), 'stratus-bench-hotplug-'));
const results: Record<number, { stratus: Sample[]; 'cloud-init': Sample[] }> = {};
let cloud: TestCloud | undefined;
try {
  const root = join(work, 'root');
  const put = (p: string, text: string, mode = 0o644) => {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text, { mode });
  };
  put('sys/class/dmi/id/product_uuid', 'ec2b2b2b-0000-4000-8000-00000000b2b2\n');
  put('etc/cloud/cloud.cfg', 'datasource_list: [ Ec2, None ]\nhotplug:\n  include_virtual: true\n');
  put('etc/os-release', 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n');
  put('usr/lib/systemd/systemd-networkd', '', 0o755);
  const ciDir = join(work, 'cloud-init');
  mkdirSync(ciDir);
  const script = join(work, 'ci-hotplug.py');
  writeFileSync(script, CLOUD_INIT_SCRIPT);
  const sides: Sides = {
    stratus: {
      root,
      log: () => {
        try {
          return readFileSync(join(root, 'var/log/cloud-init.log'), 'utf8');
        } catch {
          return '';
        }
      },
    },
    ci: { dir: ciDir, script },
    work,
  };

  cloud = await startCloud({
    nics: [{ name: 'eth0', mac: MAC0, cloudAddress: '10.99.0.1/24' }],
    addresses: ['169.254.169.254'],
    http: {
      listen: ['169.254.169.254'],
      imds: {
        httpTokens: 'required',
        latencyMs: LATENCY_MS,
        tree: awsTree({
          instanceId: INSTANCE_ID,
          region: 'us-east-1',
          az: 'us-east-1a',
          hostname: 'ip-10-99-0-10.ec2.internal',
          nics: [{ mac: MAC0, deviceNumber: 0, ipv4s: ['10.99.0.10'], subnetV4: '10.99.0.0/24' }],
          publicKeys: { bench: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBenchKey bench@bench' },
          userData: '#cloud-config\nruncmd: [[true]]\n',
        }),
      },
    },
  });
  // The instance's first NIC as the OS network has it after boot: the IMDS answers through it.
  for (const argv of [
    ['ip', 'link', 'set', 'eth0', 'up'],
    ['ip', 'addr', 'add', '10.99.0.10/24', 'dev', 'eth0'],
    ['ip', 'route', 'add', 'default', 'via', '10.99.0.1'],
  ]) {
    const r = await cloud.run(argv);
    if (r.code !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
  }
  const boot = await cloud.run([...stratusCommand(STRATUS), '--root', root, '--live-network', 'init', '--local'], { timeoutMs: 120_000 });
  if (boot.code !== 0) throw new Error(`stratus init --local exited ${boot.code}: ${boot.stderr}\n${sides.stratus.log()}`);
  const setup = await cloud.run([PYTHON, '-B', script, 'setup', ciDir], { timeoutMs: 300_000 });
  const su = JSON.parse(setup.stdout.trim().split('\n').pop() ?? '{}') as { ok?: boolean; instance_id?: string; metadata_address?: string; violations?: string[] };
  if (su.ok !== true || su.instance_id !== INSTANCE_ID || su.metadata_address !== 'http://169.254.169.254' || (su.violations ?? []).length > 0) {
    throw new Error(`cloud-init setup failed (exit ${setup.code}): ${setup.stdout}\n${setup.stderr}`);
  }

  console.log(`stratus (${STRATUS}) vs cloud-init ${ciVersion} hotplug_hook; node ${process.version}; ${cpus().length} CPUs; load average ${loadAverage()}`);
  console.log(`IMDS: IMDSv2 tokens required, ${LATENCY_MS} ms latency per answer; ${REPS} run(s) per scenario and agent after one warm-up add of each, interleaved\n`);
  await stratusAdd(cloud, sides, 0);
  await cloudInitAdd(cloud, sides, 0);
  process.stderr.write('w');
  for (const sc of ALL.filter((x) => SCENARIOS.includes(x.id))) {
    const res = { stratus: [] as Sample[], 'cloud-init': [] as Sample[] };
    results[sc.id] = res;
    for (let i = 0; i < REPS; i++) {
      if (sc.kind === 'add') {
        res.stratus.push(await stratusAdd(cloud, sides, sc.delayMs));
        res['cloud-init'].push(await cloudInitAdd(cloud, sides, sc.delayMs));
      } else {
        const r = await removeBoth(cloud, sides, sc.kind);
        res.stratus.push(r.stratus);
        res['cloud-init'].push(r.ci);
      }
      process.stderr.write(String(sc.id));
    }
  }
  process.stderr.write('\n');
} finally {
  await cloud?.close();
  rmSync(work, { recursive: true, force: true });
}

// ---------------------------------------------------------------- report

interface Summary {
  handler_ms: Stats;
  /** null: never complete in any run. */
  complete_after_data_ms: Stats | null;
  never_complete: number;
  applies: Stats;
  imds_requests: Stats;
  peak_rss_mb: Stats;
  outcomes: string[];
  exits: (number | null)[];
}

function summarize(xs: Sample[]): Summary {
  const done = xs.filter((x) => x.completeMs !== null).map((x) => x.completeMs as number);
  return {
    handler_ms: stats(xs.map((x) => x.handlerMs)),
    complete_after_data_ms: done.length > 0 ? stats(done) : null,
    never_complete: xs.length - done.length,
    applies: stats(xs.map((x) => x.applies)),
    imds_requests: stats(xs.map((x) => x.requests)),
    peak_rss_mb: stats(xs.map((x) => x.rssKb / 1024)),
    outcomes: [...new Set(xs.map((x) => x.outcome))],
    exits: [...new Set(xs.map((x) => x.exit))],
  };
}

const ratio = (a: Stats, b: Stats) => (b.median > 0 ? a.median / b.median : a.median > 0 ? Infinity : NaN);
const fmtRatio = (r: number) => (Number.isFinite(r) ? `x${r.toFixed(r >= 10 ? 0 : 1)}` : r === Infinity ? '∞ (stratus 0)' : '–');
const int = (x: Stats) => (x.min === x.max ? String(x.median) : `${x.median} (${x.min}–${x.max})`);
const completeText = (s: Summary, n: number) =>
  s.complete_after_data_ms === null ? 'never' : `${spread(s.complete_after_data_ms)}${s.never_complete > 0 ? ` [never in ${s.never_complete}/${n}]` : ''}`;

const summary: Record<number, { title: string; stratus: Summary; cloud_init: Summary; ratio_cloud_init_over_stratus: Record<string, number | null> }> = {};
const W = [36, 30, 36];
console.log(`${''.padEnd(W[0]!)} ${'stratus'.padEnd(W[1]!)} ${'cloud-init'.padEnd(W[2]!)} cloud-init/stratus`);
for (const sc of ALL.filter((x) => results[x.id])) {
  const r = results[sc.id]!;
  const st = summarize(r.stratus);
  const ci = summarize(r['cloud-init']);
  const complete = st.complete_after_data_ms && ci.complete_after_data_ms ? ratio(ci.complete_after_data_ms, st.complete_after_data_ms) : null;
  summary[sc.id] = {
    title: sc.title,
    stratus: st,
    cloud_init: ci,
    ratio_cloud_init_over_stratus: { handler_ms: ratio(ci.handler_ms, st.handler_ms), complete_after_data_ms: complete, imds_requests: ratio(ci.imds_requests, st.imds_requests), peak_rss_mb: ratio(ci.peak_rss_mb, st.peak_rss_mb) },
  };
  const row = (label: string, a: string, b: string, rr: string) => console.log(`  ${label.padEnd(W[0]! - 2)} ${a.padEnd(W[1]!)} ${b.padEnd(W[2]!)} ${rr}`);
  console.log(`${sc.id}. ${sc.title} (${r.stratus.length} run(s))`);
  row('handler ms (event → return)', spread(st.handler_ms), spread(ci.handler_ms), fmtRatio(ratio(ci.handler_ms, st.handler_ms)));
  if (sc.kind === 'add') row('complete ms after the data', completeText(st, r.stratus.length), completeText(ci, r['cloud-init'].length), complete === null ? (ci.complete_after_data_ms === null ? 'cloud-init never' : '–') : fmtRatio(complete));
  row('applies', int(st.applies), int(ci.applies), '');
  row('IMDS requests', int(st.imds_requests), int(ci.imds_requests), fmtRatio(ratio(ci.imds_requests, st.imds_requests)));
  row('peak RSS MB', spread(st.peak_rss_mb), spread(ci.peak_rss_mb), fmtRatio(ratio(ci.peak_rss_mb, st.peak_rss_mb)));
  console.log(`  ${'outcome'.padEnd(W[0]! - 2)} stratus: ${st.outcomes.join(' | ')} (exit ${st.exits.join('/')}); cloud-init: ${ci.outcomes.join(' | ')} (exit ${ci.exits.join('/')})`);
}

writeResults(JSON_OUT, ciVersion, {
  imds: { latency_ms: LATENCY_MS, tokens: 'required' },
  reps: REPS,
  scenarios: summary,
  samples: results,
});
console.log(`\nwritten: ${JSON_OUT}`);
