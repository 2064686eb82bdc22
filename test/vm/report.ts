// Parses the guest report ("@@VMR <section>|<text>" lines on the serial console) into a typed result.

export interface UnitTimes {
  id: string;
  activeState: string;
  result: string;
  /** microseconds of CLOCK_MONOTONIC (since kernel start); 0 when never reached */
  inactiveExitUs: number;
  execStartUs: number;
  execExitUs: number;
  activeEnterUs: number;
}

export interface IpAddrInfo {
  family: string;
  local: string;
  prefixlen: number;
}

export interface IpLink {
  ifname: string;
  address?: string;
  operstate?: string;
  addr_info: IpAddrInfo[];
}

export interface IpRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
}

export interface FileFact {
  mode: string;
  owner: string;
  group: string;
  size: number;
  lines: string[];
}

/** The hotplug step of the report (kernel command line vmtest.hotplug=MAC): what the guest saw while the host added and removed a NIC. */
export interface HotplugFacts {
  mac: string;
  /** seconds from "hotplug-ready" until the NIC had an IPv4 address; undefined on timeout */
  configuredSeconds?: number;
  /** seconds from "hotplug-ready" until the hotplug handler was idle again (its burst done); undefined on timeout */
  settledSeconds?: number;
  /** the NIC's name in the guest */
  ifname: string;
  /** `ip -j addr` and `ip -j rule` once the NIC was configured and the handler idle (the report's own addr is taken after the removal) */
  links: IpLink[];
  rules: Record<string, unknown>[];
  /** seconds from "hotplug-remove-ready" until no interface had the MAC; undefined on timeout */
  removedSeconds?: number;
  /** the guest's epoch seconds when it saw the NIC gone */
  removedAtEpoch?: number;
  /** seconds (after a 2 s pause) from the removal until cloud-init-hotplugd.service was inactive again; undefined on timeout */
  idleSeconds?: number;
  /** the service's StandardInput/Output/Error, then `journalctl -b -u cloud-init-hotplugd.{service,socket} -o short-monotonic` */
  journal: string[];
  /** the lines of /var/log/cloud-init.log that mention hotplug */
  log: string[];
}

export interface VmReport {
  /** the end marker was seen */
  complete: boolean;
  state: string;
  cycles: string[];
  failed: string[];
  failedLogs: Record<string, string[]>;
  /** keyed by the name asked for: cloud-init-local.service, cloud-init.service, cloud-config.service, cloud-final.service */
  units: Record<string, UnitTimes>;
  /** NetworkManager.service, systemd-networkd.service, networking.service by id (inactive ones too) */
  netUnits: Record<string, UnitTimes>;
  /** `systemd-analyze blame` seconds by unit id as listed */
  blame: Record<string, number>;
  /** `systemd-analyze time` total seconds */
  bootSeconds?: number;
  bootLine: string;
  /** seconds since kernel start when cloud-final's main process exited */
  finalDoneSeconds?: number;
  agent: string;
  status: Record<string, unknown> | undefined;
  statusRaw: string;
  statusJson: Record<string, unknown> | undefined;
  resultJson: Record<string, unknown> | undefined;
  instanceId: string;
  agentLog: string[];
  unitWarnings: string[];
  links: IpLink[];
  routes: IpRoute[];
  resolv: string[];
  resolvectl: string[];
  hostname: string;
  passwd: string;
  groups: string;
  files: Record<string, FileFact | null>;
  netFiles: Record<string, string[]>;
  hotplug?: HotplugFacts;
  /** Modes (octal text, "600") of the private files present: instance-data-sensitive.json, user-data.txt … */
  privateModes: Record<string, string>;
  /** The secrets scan's lines: "needle-in-user-data", "readable:<path>", "log:<path>", "journal:<count>", "done". */
  secretScan: string[];
}

/** systemd time spans: "1min 2.345s", "532ms", "1h 2min 3s", "12.5s" */
export function parseSpan(text: string): number | undefined {
  let total = 0;
  let seen = false;
  for (const m of text.trim().matchAll(/([\d.]+)\s*(h|min|s|ms|us|µs)\b/g)) {
    const v = Number(m[1]);
    const unit = m[2];
    const factor = unit === 'h' ? 3600 : unit === 'min' ? 60 : unit === 's' ? 1 : unit === 'ms' ? 1e-3 : 1e-6;
    total += v * factor;
    seen = true;
  }
  return seen ? Math.round(total * 1000) / 1000 : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function parseUnit(line: string): UnitTimes {
  const kv = new Map<string, string>();
  for (const word of line.trim().split(/\s+/)) {
    const i = word.indexOf('=');
    if (i > 0) kv.set(word.slice(0, i), word.slice(i + 1));
  }
  const num = (k: string): number => Number(kv.get(k) ?? 0) || 0;
  return {
    id: kv.get('Id') ?? '',
    activeState: kv.get('ActiveState') ?? '',
    result: kv.get('Result') ?? '',
    inactiveExitUs: num('InactiveExitTimestampMonotonic'),
    execStartUs: num('ExecMainStartTimestampMonotonic'),
    execExitUs: num('ExecMainExitTimestampMonotonic'),
    activeEnterUs: num('ActiveEnterTimestampMonotonic'),
  };
}

/** Sections in order of appearance; a section's lines are its texts. */
export function sections(serial: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const raw of serial) {
    const at = raw.indexOf('@@VMR ');
    if (at < 0) continue;
    const rest = raw.slice(at + 6);
    const bar = rest.indexOf('|');
    if (bar < 0) continue;
    const name = rest.slice(0, bar);
    const list = out.get(name) ?? [];
    list.push(rest.slice(bar + 1));
    out.set(name, list);
  }
  return out;
}

const FOUR_UNITS = ['cloud-init-local.service', 'cloud-init.service', 'cloud-config.service', 'cloud-final.service'];

export function parseReport(serial: readonly string[]): VmReport {
  const s = sections(serial);
  const one = (k: string): string => (s.get(k) ?? [])[0] ?? '';
  const all = (k: string): string[] => s.get(k) ?? [];
  const r: VmReport = {
    complete: s.has('end'),
    state: one('state'),
    cycles: all('cycle'),
    failed: all('failed').filter((x) => x !== ''),
    failedLogs: {},
    units: {},
    netUnits: {},
    blame: {},
    bootLine: one('time'),
    agent: one('agent'),
    status: undefined,
    statusRaw: one('status'),
    statusJson: asRecord(parseJson(one('cat:/run/cloud-init/status.json'))),
    resultJson: asRecord(parseJson(one('cat:/run/cloud-init/result.json'))),
    instanceId: one('cat:/var/lib/cloud/data/instance-id').trim(),
    agentLog: all('agentlog'),
    unitWarnings: all('unitwarn'),
    links: [],
    routes: [],
    resolv: all('resolv'),
    resolvectl: all('resolvectl'),
    hostname: one('hostname'),
    passwd: one('passwd'),
    groups: one('groups'),
    files: {},
    netFiles: {},
    privateModes: {},
    secretScan: all('secretscan'),
  };
  for (const line of all('privmode')) {
    const at = line.lastIndexOf(' ');
    if (at > 0) r.privateModes[line.slice(0, at)] = line.slice(at + 1);
  }
  r.status = asRecord(parseJson(r.statusRaw));
  const units = all('unit');
  FOUR_UNITS.forEach((name, i) => {
    const u = units[i];
    if (u !== undefined) r.units[name] = parseUnit(u);
  });
  for (const line of all('netunit')) {
    const u = parseUnit(line);
    if (u.id) r.netUnits[u.id] = u;
  }
  const final = r.units['cloud-final.service'];
  if (final && final.execExitUs > 0) r.finalDoneSeconds = Math.round(final.execExitUs / 1e4) / 100;
  for (const line of all('blame')) {
    const m = /^\s*(.+?)\s+(\S+\.service)\s*$/.exec(line);
    const secs = m?.[1] ? parseSpan(m[1]) : undefined;
    if (m?.[2] && secs !== undefined) r.blame[m[2]] = secs;
  }
  const total = /=\s*(.+)$/.exec(r.bootLine);
  if (total?.[1]) r.bootSeconds = parseSpan(total[1]);
  const links = parseJson(one('addr'));
  if (Array.isArray(links)) r.links = links as IpLink[];
  const routes = parseJson(one('route'));
  if (Array.isArray(routes)) r.routes = routes as IpRoute[];
  for (const [name, lines] of s) {
    if (name.startsWith('failedlog:')) r.failedLogs[name.slice(10)] = lines;
    if (name.startsWith('netfile:')) r.netFiles[name.slice(8)] = lines;
  }
  const contents = new Map<string, string[]>();
  for (const [name, lines] of s) if (name.startsWith('file:')) contents.set(name.slice(5), lines);
  for (const line of all('filestat')) {
    const [path, mode, owner, group, size] = line.split(' ');
    if (!path) continue;
    r.files[path] = mode === 'missing' || !mode
      ? null
      : { mode, owner: owner ?? '', group: group ?? '', size: Number(size ?? 0), lines: contents.get(path) ?? [] };
  }
  if (s.has('hotplug-ready')) r.hotplug = parseHotplug(s);
  return r;
}

function parseHotplug(s: Map<string, string[]>): HotplugFacts {
  const one = (k: string): string => (s.get(k) ?? [])[0] ?? '';
  const secs = (text: string): number | undefined => (/^\d+(\.\d+)?$/.test(text) ? Number(text) : undefined);
  const [removed = '', epoch = ''] = one('hotplug-removed').split(' ');
  const links = parseJson(one('hotplug-addr'));
  const rules = parseJson(one('hotplug-rule'));
  return {
    mac: one('hotplug-ready'),
    configuredSeconds: secs(one('hotplug-configured')),
    settledSeconds: secs(one('hotplug-settled')),
    ifname: one('hotplug-if'),
    links: Array.isArray(links) ? (links as IpLink[]) : [],
    rules: Array.isArray(rules) ? rules.map(asRecord).filter((x): x is Record<string, unknown> => x !== undefined) : [],
    removedSeconds: secs(removed),
    removedAtEpoch: secs(epoch),
    idleSeconds: secs(one('hotplug-idle')),
    journal: s.get('hotplugd') ?? [],
    log: s.get('hotplog') ?? [],
  };
}

/** Seconds of a unit from leaving inactive to active (what blame shows), from the monotonic stamps. */
export function unitSeconds(u: UnitTimes | undefined): number | undefined {
  if (!u || u.inactiveExitUs === 0) return undefined;
  const end = u.activeEnterUs || u.execExitUs;
  return end > 0 ? Math.round((end - u.inactiveExitUs) / 1e4) / 100 : undefined;
}
