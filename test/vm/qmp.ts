// A tiny QMP client (QEMU's JSON monitor on a unix socket, `-qmp unix:<path>,server=on,wait=off`): read the
// greeting, negotiate capabilities, then one command at a time, each reply awaited; asynchronous events
// (`{"event": …}`) are logged and skipped. Every message in and out is appended to a log file.
// NIC hotplug helpers on top: a hot-added slirp netdev is always `restrict=on` (the guest has no way out).
import { appendFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

/** How long a QMP answer (greeting or reply) may take. */
const REPLY_MS = 10_000;

export class Qmp {
  private buffered = '';
  private readonly waiting: ((msg: JsonObject) => void)[] = [];
  private readonly queued: JsonObject[] = [];
  private closedWith: Error | undefined;

  private constructor(private readonly sock: Socket, private readonly log: string) {
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      this.buffered += chunk;
      const lines = this.buffered.split('\n');
      this.buffered = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) this.receive(line.trim());
    });
    sock.on('close', () => (this.closedWith ??= new Error('QMP connection closed')));
  }

  /** Connects, reads the greeting and leaves capabilities negotiation mode. */
  static async connect(path: string, log: string): Promise<Qmp> {
    const sock = createConnection(path);
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
    sock.on('error', (e) => appendFileSync(log, `!! ${e.message}\n`));
    const q = new Qmp(sock, log);
    const greeting = await q.next();
    if (!('QMP' in greeting)) throw new Error(`QMP: unexpected greeting ${JSON.stringify(greeting)}`);
    await q.execute('qmp_capabilities');
    return q;
  }

  private receive(line: string): void {
    appendFileSync(this.log, `<- ${line}\n`);
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      return;
    }
    if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) return;
    const obj = msg as JsonObject;
    if ('event' in obj) return;
    const w = this.waiting.shift();
    if (w) w(obj);
    else this.queued.push(obj);
  }

  /** The next non-event message, within REPLY_MS. */
  private next(): Promise<JsonObject> {
    const ready = this.queued.shift();
    if (ready) return Promise.resolve(ready);
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(got);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new Error(`QMP: no answer within ${REPLY_MS} ms`));
      }, REPLY_MS);
      const got = (m: JsonObject): void => {
        clearTimeout(timer);
        resolve(m);
      };
      this.waiting.push(got);
    });
  }

  /** Runs one command; its `return` value, or an error with QEMU's description. */
  async execute(command: string, args?: JsonObject): Promise<Json> {
    const msg = JSON.stringify(args ? { execute: command, arguments: args } : { execute: command });
    appendFileSync(this.log, `-> ${msg}\n`);
    this.sock.write(`${msg}\n`);
    const reply = await this.next();
    const error = reply['error'];
    if (error !== undefined) throw new Error(`QMP ${command}: ${JSON.stringify(error)}`);
    return reply['return'] ?? null;
  }

  close(): void {
    this.sock.end();
  }
}

/** A NIC the host hot-adds: a slirp netdev (always restrict=on) and a virtio-net-pci device on it. */
export interface HotNic {
  /** QEMU ids of the netdev and of the device */
  netdevId: string;
  deviceId: string;
  mac: string;
  /** the slirp network, e.g. 10.0.5.0/24 (the guest's DHCP address is .15) */
  net: string;
}

/** One short QMP session: connect, run `fn`, disconnect. */
async function withQmp(path: string, log: string, fn: (q: Qmp) => Promise<void>): Promise<void> {
  const q = await Qmp.connect(path, log);
  try {
    await fn(q);
  } finally {
    q.close();
  }
}

export function hotAddNic(path: string, log: string, nic: HotNic): Promise<void> {
  // restrict=on, always: the safety rule of boot.ts holds for hot-added netdevs too
  const netdev: JsonObject = { type: 'user', id: nic.netdevId, restrict: true, net: nic.net };
  return withQmp(path, log, async (q) => {
    await q.execute('netdev_add', netdev);
    await q.execute('device_add', { driver: 'virtio-net-pci', netdev: nic.netdevId, mac: nic.mac, id: nic.deviceId });
  });
}

/** Asks for the device's removal (the guest ejects it through ACPI; QEMU then emits DEVICE_DELETED). */
export function hotRemoveNic(path: string, log: string, nic: HotNic): Promise<void> {
  return withQmp(path, log, async (q) => {
    await q.execute('device_del', { id: nic.deviceId });
  });
}
