// Runs one scenario on one flavour: image, seed ISO or host IMDS, VM network, one or two boots, report parsing and checks.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { boot, type BootResult, type DiskMode } from './boot.ts';
import { Checks } from './checks.ts';
import type { Deb } from './deb.ts';
import { findInFile } from './disk-scan.ts';
import { exec } from './exec.ts';
import { startHostImds, type HostImds } from './imds-host.ts';
import { ensureImage, type Flavour, type GuestImage } from './image.ts';
import { RUNS_DIR } from './paths.ts';
import { hotAddNic, hotRemoveNic } from './qmp.ts';
import { parseReport, type VmReport } from './report.ts';
import { IMDS_ADDRESS, type Scenario } from './scenarios.ts';
import { buildSeedIso } from './seed.ts';
import { startVmNetwork, type VmNetwork } from './vm-network.ts';

export interface BootOutcome {
  boot: number;
  runDir: string;
  result: Omit<BootResult, 'lines'>;
  report: VmReport;
  failures: string[];
  /** measurements the checks noted */
  notes: string[];
}

export interface ScenarioOutcome {
  scenario: string;
  id: number;
  flavour: Flavour;
  variant: string;
  imageBuildSeconds: number;
  boots: BootOutcome[];
  passed: boolean;
}

const TIMEOUT_SECONDS = Number(process.env['STRATUS_VM_TIMEOUT'] ?? 900);

/** The report's text around the failures: what a failing assertion message shows. */
export function excerpt(lines: readonly string[]): string {
  const vmr = lines.filter((l) => l.includes('@@VMR '));
  const pick = vmr.filter((l) => !/@@VMR (netfile|addr|route|file):/.test(l) && !l.includes('@@VMR addr|') && !l.includes('@@VMR route|'));
  return (pick.length > 0 ? pick : lines.slice(-40)).slice(0, 80).map((l) => `    ${l.slice(0, 400)}`).join('\n');
}

export async function runScenario(
  sc: Scenario,
  flavour: Flavour,
  deb: Deb | undefined,
  log: (m: string) => void,
  /** probe: the guest times node, python and the agent after its report (vmtest.probe); default STRATUS_VM_PROBE. */
  opts: { probe?: boolean } = {},
): Promise<ScenarioOutcome> {
  const probe = opts.probe ?? Boolean(process.env['STRATUS_VM_PROBE']);
  const image: GuestImage = await ensureImage(sc.variant, flavour, deb, log);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const base = join(RUNS_DIR, `${sc.id}-${sc.name}-${flavour}-${stamp}`);
  mkdirSync(base, { recursive: true });
  let seedIso: string | undefined;
  if (sc.seed) {
    seedIso = join(base, 'seed.iso');
    await buildSeedIso(sc.seed, seedIso, join(base, 'seed.log'));
  }
  let disk: DiskMode = { kind: 'snapshot' };
  // A second boot needs the first one's writes; a secrets scan reads them after each boot.
  if (sc.boots > 1 || sc.secrets) {
    const qcow2 = join(base, 'disk.qcow2');
    await exec('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', image.disk, '-F', 'raw', qcow2], { log: join(base, 'qemu-img.log') });
    disk = { kind: 'overlay', qcow2 };
  }
  const outcome: ScenarioOutcome = {
    scenario: sc.name, id: sc.id, flavour, variant: sc.variant, imageBuildSeconds: image.buildSeconds, boots: [], passed: true,
  };
  const append = [`vmtest.user=${sc.user}`, `vmtest.files=${sc.files.join(',')}`, ...(sc.hotplug ? [`vmtest.hotplug=${sc.hotplug.mac}`] : []), ...(probe ? ['vmtest.probe'] : [])];
  // One IMDS for all boots of the scenario (a reboot meets the same instance), on the host's loopback only.
  // QEMU runs inside a VM network's namespace, where the host's loopback (and so the host IMDS) is out of reach.
  if (sc.imds && sc.vmNetwork) throw new Error(`${sc.name}: a host IMDS and a VM network do not mix; run the IMDS as a network service`);
  const imds: HostImds | undefined = sc.imds ? await startHostImds(sc.imds, { holdClock: !!sc.hotplug }) : undefined;
  let network: VmNetwork | undefined;
  try {
    if (sc.vmNetwork) {
      const { services, ...spec } = sc.vmNetwork;
      const dir = join(base, 'net');
      mkdirSync(dir, { recursive: true });
      network = await startVmNetwork({ ...spec, dir, services: services?.(dir) ?? [] });
      log(`[${sc.id} ${sc.name} / ${flavour}] VM network ${spec.subnet} on ${network.tap} in namespace net:[${network.netns.inode}] (logs: ${dir})`);
    }
    const nics = sc.nics.map((n, i) =>
      (imds && i === 0 ? { ...n, guestfwd: [{ addr: IMDS_ADDRESS, port: 80, hostPort: imds.port }] } : n));
    let first: VmReport | undefined;
    for (let n = 1; n <= sc.boots; n++) {
      const runDir = sc.boots > 1 ? join(base, `boot${n}`) : base;
      mkdirSync(runDir, { recursive: true });
      log(`[${sc.id} ${sc.name} / ${flavour}] boot ${n}/${sc.boots} (serial: ${join(runDir, 'serial.log')})`);
      const seen = imds?.requests.length ?? 0;
      const mark = network?.mark();
      // NIC hotplug: the guest says when (vm-report's hotplug step), the host acts through QMP
      const hp = sc.hotplug;
      const qmpSocket = hp ? join(runDir, 'qmp.sock') : undefined;
      const qmpLog = join(runDir, 'qmp.log');
      const onSerialMarker = hp && qmpSocket ? {
        'hotplug-ready': async () => {
          imds?.startClock('next-request');
          await hotAddNic(qmpSocket, qmpLog, hp);
        },
        'hotplug-remove-ready': () => hotRemoveNic(qmpSocket, qmpLog, hp),
      } : undefined;
      const res = await boot({
        image, runDir, seedIso, qemuExtra: sc.smbios, nics, disk, append, timeoutSeconds: TIMEOUT_SECONDS, network, qmpSocket, onSerialMarker,
      });
      const netFacts = network && mark ? network.factsSince(mark) : undefined;
      if (netFacts) writeFileSync(join(runDir, 'network-facts.json'), JSON.stringify(netFacts, null, 1));
      const report = parseReport(res.lines);
      const imdsRequests = imds?.requests.slice(seen);
      if (imdsRequests) writeFileSync(join(runDir, 'imds-requests.json'), JSON.stringify(imdsRequests, null, 1));
      const c = new Checks();
      if (res.timedOut) c.fail(`QEMU killed after the ${TIMEOUT_SECONDS} s timeout`);
      const secretsOnDisk = sc.secrets && disk.kind === 'overlay' ? findInFile(disk.qcow2, sc.secrets) : undefined;
      const hotplug = hp ? { markers: res.markers, errors: res.markerErrors, imdsClock: imds ? { ...imds.clock } : undefined } : undefined;
      sc.check(c, report, n, first, { imdsRequests, network: netFacts, secretsOnDisk, hotplug });
      const { lines, ...result } = res;
      const b: BootOutcome = { boot: n, runDir, result, report, failures: c.failures, notes: c.notes };
      writeFileSync(join(runDir, 'report.json'), JSON.stringify({ ...b, excerpt: undefined }, null, 2));
      if (c.failures.length > 0) {
        outcome.passed = false;
        writeFileSync(join(runDir, 'failures.txt'), `${c.failures.join('\n')}\n\nreport excerpt:\n${excerpt(lines)}\n`);
      }
      outcome.boots.push(b);
      log(`[${sc.id} ${sc.name} / ${flavour}] boot ${n}: ${c.failures.length === 0 ? 'PASS' : 'FAIL'} in ${res.wallSeconds} s ` +
        `(state ${report.state || '?'}, final done at ${report.finalDoneSeconds ?? '?'} s` +
        `${imdsRequests ? `, ${imdsRequests.length} IMDS requests` : ''}${netFacts ? `, ${netFacts.dhcpAcks.length} DHCPACKs` : ''})`);
      for (const note of c.notes) log(`[${sc.id} ${sc.name} / ${flavour}]   ${note}`);
      first ??= report;
    }
  } finally {
    await network?.close();
    await imds?.close();
  }
  // the overlay holds the guest's writes (hundreds of MB); the serial logs and report.json stay
  if (disk.kind === 'overlay') rmSync(disk.qcow2, { force: true });
  return outcome;
}
