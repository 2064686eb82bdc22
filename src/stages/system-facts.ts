/** Facts about the target system for instance-data: distro from os-release, kernel and machine from this kernel. */
import { arch, release } from 'node:os';
import type { RootFs } from '../host/root-fs.ts';
import type { SystemFacts } from './instance-data.ts';

function osRelease(fs: RootFs): Record<string, string> {
  const text = fs.readText('/etc/os-release') ?? fs.readText('/usr/lib/os-release') ?? '';
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out[m[1] as string] = (m[2] as string).replace(/^(["'])(.*)\1$/, '$2');
  }
  return out;
}

const MACHINES: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ia32: 'i686', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

export function systemFacts(fs: RootFs, distro: string): SystemFacts {
  const osr = osRelease(fs);
  const kernel = release();
  const machine = MACHINES[arch()] ?? arch();
  return {
    distro,
    distroVersion: osr['VERSION_ID'] ?? '',
    distroRelease: osr['VERSION_CODENAME'] ?? '',
    kernelRelease: kernel,
    machine,
    variant: osr['ID'] ?? distro,
    systemPlatform: `Linux-${kernel}-${machine}-with-glibc`,
  };
}
