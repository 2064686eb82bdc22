// Assertion helpers on a parsed guest report: failures are collected, not thrown, so one run reports all of them.
import type { NetVariant } from './image.ts';
import type { IpLink, VmReport } from './report.ts';

export class Checks {
  readonly failures: string[] = [];
  /** measurements worth reporting whether or not the checks pass (printed by the runner, kept in report.json) */
  readonly notes: string[] = [];

  note(message: string): void {
    this.notes.push(message);
  }

  fail(message: string): void {
    this.failures.push(message);
  }

  ok(what: string, cond: boolean, detail: string): void {
    if (!cond) this.fail(`${what}: ${detail}`);
  }

  equal(what: string, actual: unknown, expected: unknown): void {
    if (actual !== expected) this.fail(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }

  link(r: VmReport, mac: string): IpLink | undefined {
    const l = r.links.find((x) => x.address?.toLowerCase() === mac.toLowerCase());
    if (!l) this.fail(`no interface with MAC ${mac}; interfaces: ${r.links.map((x) => `${x.ifname}=${x.address ?? ''}`).join(' ')}`);
    return l;
  }

  linkName(r: VmReport, mac: string, name: string): void {
    const l = this.link(r, mac);
    if (l) this.equal(`name of NIC ${mac}`, l.ifname, name);
  }

  address(r: VmReport, mac: string, cidr: string): void {
    const l = this.link(r, mac);
    if (!l) return;
    const have = l.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);
    this.ok(`IPv4 address of ${l.ifname} (${mac})`, have.includes(cidr), `expected ${cidr}, have [${have.join(', ')}]`);
  }

  route(r: VmReport, mac: string, dst: string, gateway: string): void {
    const l = this.link(r, mac);
    if (!l) return;
    const found = r.routes.some((x) => x.dst === dst && x.gateway === gateway && x.dev === l.ifname);
    const have = r.routes.map((x) => `${x.dst} via ${x.gateway ?? '-'} dev ${x.dev ?? '-'}`).join('; ');
    this.ok(`route ${dst} via ${gateway} on ${l.ifname}`, found, `routes: ${have}`);
  }

  /** NetworkManager writes resolv.conf itself; networkd (no resolved) and ifupdown (no resolvconf) only carry it in their config. */
  dns(r: VmReport, variant: NetVariant, server: string): void {
    const inResolv = r.resolv.some((l) => l.trim() === `nameserver ${server}`) || r.resolvectl.some((l) => l.includes(server));
    if (variant === 'nm') {
      this.ok(`DNS ${server} in /etc/resolv.conf (nm)`, inResolv, `resolv.conf: ${JSON.stringify(r.resolv)}`);
      return;
    }
    const inFiles = Object.values(r.netFiles).some((lines) => lines.some((l) => l.includes(server)));
    this.ok(`DNS ${server} in the rendered ${variant} config`, inFiles || inResolv, `files: ${Object.keys(r.netFiles).join(', ') || 'none'}`);
  }

  lineCount(r: VmReport, path: string, n: number): void {
    const f = r.files[path];
    if (!f) {
      this.fail(`${path} missing`);
      return;
    }
    this.equal(`lines in ${path}`, f.lines.length, n);
  }
}

function statusErrors(r: VmReport): string[] {
  const errs: string[] = [];
  const st = r.status;
  if (!st) {
    errs.push(`status --format json unparsable: ${r.statusRaw.slice(0, 300)}`);
    return errs;
  }
  if (st['status'] !== 'done') errs.push(`status is ${JSON.stringify(st['status'])}`);
  const e = st['errors'];
  if (Array.isArray(e) && e.length > 0) errs.push(`status errors: ${JSON.stringify(e)}`);
  const v1 = r.resultJson?.['v1'];
  if (v1 && typeof v1 === 'object' && 'errors' in v1) {
    const re = (v1 as { errors: unknown }).errors;
    if (Array.isArray(re) && re.length > 0) errs.push(`result.json errors: ${JSON.stringify(re)}`);
  }
  return errs;
}

/** A comment line of every scenario's user-data (scenarios.ts); guest/vm-report looks for it as a non-root user. */
export const USERDATA_NEEDLE = 'vmtest-userdata-needle-5b1e0c7a';

/**
 * Secrets (issue 12): instance-data-sensitive.json and the user-data files 0600, and the user-data's needle in no
 * file a non-root user can read, no log and not the journal. The report must show the scan ran and that root
 * found the needle in user-data.txt, so the check cannot pass on a scan that looked at nothing.
 */
export function secretChecks(c: Checks, r: VmReport): void {
  c.ok('the secrets scan ran', r.secretScan.includes('done'), JSON.stringify(r.secretScan));
  c.ok('the user-data needle is in user-data.txt (as root)', r.secretScan.includes('needle-in-user-data'), JSON.stringify(r.secretScan));
  for (const f of ['/run/cloud-init/instance-data-sensitive.json', '/var/lib/cloud/instance/user-data.txt']) {
    c.ok(`${f} reported`, r.privateModes[f] !== undefined, JSON.stringify(r.privateModes));
  }
  for (const [f, mode] of Object.entries(r.privateModes)) c.equal(`mode of ${f}`, mode, '600');
  const leaks = r.secretScan.filter((l) => l.startsWith('readable:') || l.startsWith('log:') || (l.startsWith('journal:') && l !== 'journal:0'));
  c.ok('user-data readable by no non-root user, in no log or journal', leaks.length === 0, leaks.join(', '));
}

/** What every scenario expects: a clean boot, a done status, hostname, user and the write_files file, secrets kept. */
export function commonChecks(c: Checks, r: VmReport, hostname: string, user: string, file: string): void {
  if (!r.complete) c.fail('the guest report did not complete (no end marker on the serial console)');
  if (r.state !== 'running') {
    c.fail(`system state ${JSON.stringify(r.state)}; failed units: ${r.failed.join(', ') || 'none'}` +
      Object.entries(r.failedLogs).map(([u, l]) => `\n  --- ${u}\n  ${l.slice(-8).join('\n  ')}`).join(''));
  }
  c.ok('no ordering cycle', r.cycles.length === 0, r.cycles.join(' | '));
  for (const e of statusErrors(r)) c.fail(e);
  c.equal('hostname', r.hostname, hostname);
  c.ok(`user ${user}`, r.passwd.startsWith(`${user}:`), `getent passwd: ${JSON.stringify(r.passwd)}`);
  const f = r.files[file];
  if (!f) c.fail(`${file} missing`);
  else {
    c.equal(`mode of ${file}`, f.mode, '640');
    c.equal(`content of ${file}`, f.lines.join('\n'), 'hello from user-data');
  }
  secretChecks(c, r);
}
