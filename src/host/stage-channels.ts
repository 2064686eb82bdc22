/**
 * The channels between the boot process (`stratus --all-stages`) and the
 * four stage units' shims (/usr/lib/stratus/stage-shim): per stage a FIFO
 * `<dir>/<stage>.start`, into which the shim writes "start", and a FIFO
 * `<dir>/<stage>.done`, which the shim creates and then opens for reading;
 * the boot process answers there with "<exit code> <message>".
 *
 * The start FIFOs come from systemd (cloud-init-main.socket, ListenFIFO=:
 * the first "start" activates the boot process and systemd passes the FIFOs
 * as LISTEN_FDS), or — run by hand or by a benchmark — are opened by path
 * (read-write, so opening never blocks and the reader never sees an end).
 * They are read without blocking any thread (as sockets), so the process
 * does its work while it waits.
 *
 * An answer is written only while its shim is there: the done FIFO is opened
 * write-only without blocking, which fails until a reader has it open; the
 * open is retried for a while (the shim opens it right after its "start"),
 * so an answer is never written into a pipe nobody reads, and a shim that is
 * gone does not hold up the boot.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, constants, fstatSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';

export const STAGE_CHANNELS = ['local', 'network', 'config', 'final'] as const;
export type StageChannel = (typeof STAGE_CHANNELS)[number];

/** How long an answer waits for its shim to open the done FIFO. */
const ANSWER_WAIT_MS = 10_000;
const ANSWER_RETRY_MS = 2;

export interface StageChannels {
  /** Resolves with the stage whose shim said "start" next (each stage once). */
  next(): Promise<StageChannel>;
  /** Tells the stage's shim how the stage ended; false when no shim took the answer within the wait. */
  answer(stage: StageChannel, code: number, message: string): Promise<boolean>;
  close(): void;
  /** Where the channels come from, for the log: "systemd (LISTEN_FDS)" or the directory. */
  origin: string;
}

/** The start FIFOs systemd passed (LISTEN_FDS, fds from 3), matched to stages by inode. */
function passedFds(dir: string): Map<StageChannel, number> | null {
  const count = Number(process.env['LISTEN_FDS'] ?? '');
  if (!(count > 0) || Number(process.env['LISTEN_PID'] ?? '') !== process.pid) return null;
  const byInode = new Map<number, StageChannel>();
  for (const stage of STAGE_CHANNELS) {
    try {
      byInode.set(statSync(join(dir, `${stage}.start`)).ino, stage);
    } catch {
      // Not there: that stage cannot be started through systemd.
    }
  }
  const out = new Map<StageChannel, number>();
  for (let fd = 3; fd < 3 + count; fd++) {
    const stage = byInode.get(fstatSync(fd).ino);
    if (stage) out.set(stage, fd);
  }
  // Consumed: children must not think they were passed these.
  delete process.env['LISTEN_FDS'];
  delete process.env['LISTEN_PID'];
  delete process.env['LISTEN_FDNAMES'];
  return out;
}

/** Opens (and, when missing, makes) the start FIFOs by path. */
function openedFds(dir: string): Map<StageChannel, number> {
  const paths = STAGE_CHANNELS.map((s) => join(dir, `${s}.start`));
  const missing = paths.filter((p) => {
    try {
      return !statSync(p).isFIFO();
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const r = spawnSync('mkfifo', ['-m', '0600', ...missing], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mkfifo ${missing.join(' ')}: ${r.stderr.trim() || r.error?.message || `exit ${r.status}`}`);
  }
  return new Map(STAGE_CHANNELS.map((s, i) => [s, openSync(paths[i] as string, constants.O_RDWR | constants.O_NONBLOCK)]));
}

async function openDone(path: string, deadline: number): Promise<number | null> {
  for (;;) {
    try {
      return openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // ENXIO: no reader yet; ENOENT: the shim has not made the FIFO yet.
      if ((code !== 'ENXIO' && code !== 'ENOENT') || Date.now() >= deadline) return null;
      await new Promise((res) => setTimeout(res, ANSWER_RETRY_MS));
    }
  }
}

export function openStageChannels(dir: string): StageChannels {
  const passed = passedFds(dir);
  const fds = passed ?? openedFds(dir);
  const started = new Set<StageChannel>();
  const ready: StageChannel[] = [];
  let waiter: ((s: StageChannel) => void) | null = null;
  const sockets: Socket[] = [];
  for (const [stage, fd] of fds) {
    const sock = new Socket({ fd, readable: true, writable: false });
    let buffered = '';
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buffered += chunk;
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line !== 'start' || started.has(stage)) continue;
        started.add(stage);
        if (waiter) {
          const w = waiter;
          waiter = null;
          w(stage);
        } else {
          ready.push(stage);
        }
      }
    });
    sock.on('error', () => undefined);
    sockets.push(sock);
  }
  return {
    origin: passed ? 'systemd (LISTEN_FDS)' : dir,
    next() {
      const s = ready.shift();
      if (s) return Promise.resolve(s);
      return new Promise((res) => {
        waiter = res;
      });
    },
    async answer(stage, code, message) {
      const fd = await openDone(join(dir, `${stage}.done`), Date.now() + ANSWER_WAIT_MS);
      if (fd === null) return false;
      try {
        writeSync(fd, `${code} ${message.replace(/[\r\n]+/g, ' ')}\n`);
        return true;
      } catch {
        return false;
      } finally {
        closeSync(fd);
      }
    },
    close() {
      for (const s of sockets) s.destroy();
    },
  };
}
