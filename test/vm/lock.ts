// A cross-process lock file (holds the owner's PID; a dead owner's lock is taken over), so two
// runs never build into the shared cache (apt archives, base rootfs) at the same time.
import { openSync, closeSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function withLock<T>(path: string, fn: () => Promise<T>, log: (m: string) => void): Promise<T> {
  let announced = false;
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let owner = 0;
      try {
        owner = Number(readFileSync(path, 'utf8'));
      } catch {
        continue;
      }
      if (!owner || !alive(owner)) {
        rmSync(path, { force: true });
        continue;
      }
      if (!announced) log(`waiting for ${path} (held by PID ${owner})`);
      announced = true;
      await sleep(2000);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(path, { force: true });
  }
}
