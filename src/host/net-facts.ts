/**
 * Two facts of the live network a datasource may need (CloudStack's virtual
 * router discovery): a name asked of given DNS servers, and the IPv4 default
 * gateway from /proc/net/route. The callers decide whether the live network
 * may be used (stages/context.ts, mayTouchNetwork).
 */
import { readFileSync } from 'node:fs';
import { dnsPromises } from './builtin.ts';

/** IPv4 addresses of `name` from these DNS servers (not the process's resolver); [] on any failure, with the reason. */
export async function resolve4With(name: string, servers: readonly string[]): Promise<{ addresses: string[]; problem?: string }> {
  const r = new (dnsPromises().Resolver)({ timeout: 2_000, tries: 2 });
  r.setServers([...servers]);
  try {
    return { addresses: await r.resolve4(name) };
  } catch (e) {
    return { addresses: [], problem: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
  }
}

/** The gateway of the first IPv4 default route in /proc/net/route text (little-endian hex); null when none. */
export function procDefaultGateway(text: string): string | null {
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || f[1] !== '00000000' || f[7] !== '00000000') continue;
    const hex = f[2] ?? '';
    if (!/^[0-9A-Fa-f]{8}$/.test(hex) || hex === '00000000') continue;
    return [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
  }
  return null;
}

/** The live system's IPv4 default gateway; null when there is none or /proc cannot be read. */
export function liveDefaultGateway(): string | null {
  try {
    return procDefaultGateway(readFileSync('/proc/net/route', 'utf8'));
  } catch {
    return null;
  }
}
