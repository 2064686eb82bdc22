// Boot runner: one QEMU (TCG) boot of a guest image with a seed ISO, serial console captured
// line by line with host-elapsed timestamps, killed by PID after a hard timeout. With a VM network
// (vm-network.ts) QEMU runs inside its namespace (nsenter execs QEMU: the PID stays QEMU's).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GuestImage } from './image.ts';
import type { VmNetwork } from './vm-network.ts';

export interface NicSpec {
  mac: string;
  /** slirp network, e.g. 10.0.3.0/24; QEMU's default 10.0.2.0/24 when absent */
  net?: string;
  /**
   * TCP services of the host's loopback the guest reaches at `addr:port` of this NIC's network (slirp
   * guestfwd; `addr` must lie inside `net`): each guest connection runs `socat` to 127.0.0.1:`hostPort`.
   */
  guestfwd?: readonly { addr: string; port: number; hostPort: number }[];
  /**
   * on the tap of the boot's VM network (BootOptions.network) instead of slirp: DHCP and DNS from its dnsmasq,
   * its services at the server's address; `net` and `guestfwd` do not apply. At most one such NIC.
   */
  tap?: boolean;
}

export type DiskMode = { kind: 'snapshot' } | { kind: 'overlay'; qcow2: string };

export interface BootOptions {
  image: GuestImage;
  runDir: string;
  /** the seed medium, attached as a read-only virtio disk; none for a cloud with a metadata service */
  seedIso?: string;
  /** extra QEMU arguments (e.g. -smbios to make the guest look like a cloud's instance) */
  qemuExtra?: readonly string[];
  nics: readonly NicSpec[];
  disk: DiskMode;
  /** extra kernel command line words */
  append: readonly string[];
  timeoutSeconds: number;
  /**
   * QEMU runs inside this network's namespace, so a slirp NIC's guestfwd reaches the namespace's loopback,
   * not the host's; NICs with `tap` attach to its tap.
   */
  network?: Pick<VmNetwork, 'netns' | 'tap'>;
  /** a QMP monitor on this unix socket (`-qmp unix:…,server=on,wait=off`); removed after the boot */
  qmpSocket?: string;
  /**
   * host actions on guest markers: the first serial line with `@@VMR <name>|` runs `onSerialMarker[name]` once
   * (e.g. a QMP device_add when the guest says it is ready); failures are collected in BootResult.markerErrors.
   */
  onSerialMarker?: Readonly<Record<string, () => Promise<void>>>;
}

export interface BootResult {
  serialLog: string;
  /** serial lines without the host timestamps */
  lines: string[];
  wallSeconds: number;
  timedOut: boolean;
  exitCode: number | null;
  /** host seconds from QEMU start to the first "login:" prompt and to the report (printed once boot has finished) */
  loginSeconds?: number;
  reportSeconds?: number;
  /** host seconds from QEMU start at which each onSerialMarker marker was seen, and when its action ended */
  markers: Record<string, MarkerTimes>;
  markerErrors: string[];
}

export interface MarkerTimes {
  seenSeconds: number;
  doneSeconds?: number;
}

export function qemuArgs(o: BootOptions): string[] {
  const append = ['root=/dev/vda', 'rw', 'console=ttyS0,115200n8', 'loglevel=4', 'vmtest.report', ...o.append];
  const args = [
    '-machine', 'pc', '-accel', 'tcg,thread=multi', '-cpu', 'max', '-smp', '2', '-m', '2048',
    '-nodefaults', '-no-user-config', '-display', 'none', '-vga', 'none', '-monitor', 'none',
    '-serial', 'stdio', '-no-reboot',
    '-kernel', o.image.kernel, '-initrd', o.image.initrd, '-append', append.join(' '),
    '-device', 'virtio-rng-pci',
  ];
  if (o.disk.kind === 'snapshot') {
    args.push('-drive', `file=${o.image.disk},if=virtio,format=raw,cache=unsafe`, '-snapshot');
  } else {
    args.push('-drive', `file=${o.disk.qcow2},if=virtio,format=qcow2,cache=unsafe`);
  }
  if (o.nics.filter((n) => n.tap).length > 1) throw new Error('at most one NIC can use the tap');
  o.nics.forEach((nic, i) => {
    if (nic.tap) {
      if (!o.network) throw new Error(`NIC ${nic.mac} is on the tap, but the boot has no VM network`);
      if (nic.net || nic.guestfwd) throw new Error(`NIC ${nic.mac}: net and guestfwd are slirp options, not for the tap`);
      args.push('-netdev', `tap,id=n${i},ifname=${o.network.tap},script=no,downscript=no`,
        '-device', `virtio-net-pci,netdev=n${i},mac=${nic.mac}`);
      return;
    }
    const net = nic.net ? `,net=${nic.net}` : '';
    // socat's own messages go to a log file: its stderr is the guest's connection.
    const fwd = (nic.guestfwd ?? []).map((f) =>
      `,guestfwd=tcp:${f.addr}:${f.port}-cmd:socat -lf ${join(o.runDir, 'socat.log')} STDIO TCP:127.0.0.1:${f.hostPort}`);
    if (fwd.some((f) => f.slice(1).includes(','))) throw new Error(`a guestfwd command may not contain a comma: ${fwd.join('')}`);
    args.push('-netdev', `user,id=n${i},restrict=on${net}${fwd.join('')}`, '-device', `virtio-net-pci,netdev=n${i},mac=${nic.mac}`);
  });
  if (o.seedIso) args.push('-drive', `file=${o.seedIso},if=virtio,format=raw,readonly=on`);
  if (o.qmpSocket) {
    if (o.qmpSocket.includes(',')) throw new Error(`the QMP socket path may not contain a comma: ${o.qmpSocket}`);
    // sun_path holds 108 bytes
    if (Buffer.byteLength(o.qmpSocket) > 100) throw new Error(`the QMP socket path is too long for a unix socket: ${o.qmpSocket}`);
    args.push('-qmp', `unix:${o.qmpSocket},server=on,wait=off`);
  }
  args.push(...(o.qemuExtra ?? []));
  return args;
}

export function boot(o: BootOptions): Promise<BootResult> {
  const args = qemuArgs(o);
  if (args.some((a) => a.startsWith('user,') && !a.includes('restrict=on'))) throw new Error('every -netdev user needs restrict=on');
  const argv = ['qemu-system-x86_64', ...args];
  const cmdline = o.network ? o.network.netns.describe(argv) : argv.map((a) => JSON.stringify(a)).join(' ');
  writeFileSync(join(o.runDir, 'qemu-cmdline.txt'), `${cmdline}\n`);
  const serialLog = join(o.runDir, 'serial.log');
  const out = createWriteStream(serialLog);
  const stderrLog = createWriteStream(join(o.runDir, 'qemu-stderr.log'));
  const t0 = Date.now();
  const secs = (): number => Math.round((Date.now() - t0) / 100) / 10;
  const result: BootResult = { serialLog, lines: [], wallSeconds: 0, timedOut: false, exitCode: null, markers: {}, markerErrors: [] };
  const actions: Promise<void>[] = [];
  const runMarker = (name: string, action: () => Promise<void>): void => {
    const m: MarkerTimes = { seenSeconds: secs() };
    result.markers[name] = m;
    out.write(`[${secs().toFixed(1).padStart(6)}] ## host: marker ${name}, running its action\n`);
    actions.push(action().then(
      () => {
        m.doneSeconds = secs();
        out.write(`[${secs().toFixed(1).padStart(6)}] ## host: action of ${name} done\n`);
      },
      (e: unknown) => {
        const msg = `${name}: ${e instanceof Error ? e.message : String(e)}`;
        result.markerErrors.push(msg);
        out.write(`[${secs().toFixed(1).padStart(6)}] ## host: action failed: ${msg}\n`);
      },
    ));
  };
  let partial = '';
  const onLine = (raw: string): void => {
    const line = raw.replace(/\r/g, '');
    result.lines.push(line);
    out.write(`[${secs().toFixed(1).padStart(6)}] ${line}\n`);
    if (result.loginSeconds === undefined && line.includes(' login:')) result.loginSeconds = secs();
    if (result.reportSeconds === undefined && line.includes('@@VMR begin|')) result.reportSeconds = secs();
    for (const [name, action] of Object.entries(o.onSerialMarker ?? {})) {
      if (!(name in result.markers) && line.includes(`@@VMR ${name}|`)) runMarker(name, action);
    }
  };
  if (o.qmpSocket) rmSync(o.qmpSocket, { force: true });
  return new Promise((resolve, reject) => {
    const child: ChildProcess = o.network
      ? o.network.netns.spawn(argv, ['ignore', 'pipe', 'pipe'])
      : spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const { stdout, stderr } = child;
    if (!stdout || !stderr) throw new Error('QEMU spawned without output pipes');
    const pid = child.pid;
    const timer = setTimeout(() => {
      result.timedOut = true;
      if (pid !== undefined) process.kill(pid, 'SIGKILL');
    }, o.timeoutSeconds * 1000);
    stdout.setEncoding('utf8');
    stdout.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      parts.forEach(onLine);
    });
    stderr.pipe(stderrLog);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (partial) onLine(partial);
      result.exitCode = code;
      result.wallSeconds = secs();
      // a marker action still talking to the monitor fails now that QEMU is gone; wait for it before closing the log
      void Promise.allSettled(actions).then(() => {
        if (o.qmpSocket) rmSync(o.qmpSocket, { force: true });
        out.end(() => resolve(result));
      });
    });
  });
}
