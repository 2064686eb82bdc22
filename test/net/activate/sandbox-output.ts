/** Reading what a sandbox script printed: sections marked "@@ name", and `ip -j address` output. */

export const MARK = '@@';

/** The sandbox's output, split at lines "@@ name". */
export function sections(out: string): Record<string, string> {
  const r: Record<string, string> = {};
  for (const part of out.split(`${MARK} `).slice(1)) {
    const nl = part.indexOf('\n');
    r[part.slice(0, nl)] = part.slice(nl + 1);
  }
  return r;
}

interface IpAddr {
  addr_info: { family: string; local: string; prefixlen: number }[];
}

/** IPv4 "ADDR/PREFIX" in `ip -j address` output, sorted. */
export function v4(json: string | undefined): string[] {
  const links = JSON.parse(json?.trim() || '[]') as IpAddr[];
  return links.flatMap((l) => l.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`)).sort();
}
