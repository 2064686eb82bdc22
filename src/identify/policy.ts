/**
 * ds-identify's policy string: `<mode>,found=all|first,maybe=all|none,
 * notfound=enabled|disabled`. Each part overrides the default on its own, so
 * `ci.di.policy=found=first` keeps the default mode. A bad value for a known
 * key falls back to the default with a warning; unknown parts are ignored.
 */

export type IdentifyMode = 'disabled' | 'enabled' | 'search' | 'report';

export interface Policy {
  mode: IdentifyMode;
  /** Use every datasource found, or only the first. */
  found: 'all' | 'first';
  /** When nothing is found, use the "maybe" ones or not. */
  maybe: 'all' | 'none';
  /** When nothing is found at all, run cloud-init anyway or disable it. */
  notfound: 'enabled' | 'disabled';
}

export const DEFAULT_POLICY: Readonly<Policy> = { mode: 'search', found: 'all', maybe: 'none', notfound: 'disabled' };

const MODES: readonly string[] = ['disabled', 'enabled', 'search', 'report'];
const VALUES: Record<'found' | 'maybe' | 'notfound', readonly string[]> = {
  found: ['all', 'first'],
  maybe: ['all', 'none'],
  notfound: ['enabled', 'disabled'],
};

export function parsePolicy(text: string): { policy: Policy; warnings: string[] } {
  const policy: Policy = { ...DEFAULT_POLICY };
  const warnings: string[] = [];
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    if (MODES.includes(part)) {
      policy.mode = part as IdentifyMode;
      continue;
    }
    const eq = part.indexOf('=');
    const key = part.slice(0, eq);
    if (eq < 0 || (key !== 'found' && key !== 'maybe' && key !== 'notfound')) {
      warnings.push(`policy: unknown part ${JSON.stringify(part)} ignored`);
      continue;
    }
    const value = part.slice(eq + 1);
    if (!VALUES[key].includes(value)) {
      warnings.push(`policy: invalid value ${JSON.stringify(value)} for ${key}, using ${key}=${DEFAULT_POLICY[key]}`);
      continue;
    }
    (policy as unknown as Record<string, string>)[key] = value;
  }
  return { policy, warnings };
}

export function formatPolicy(p: Policy): string {
  return `${p.mode},found=${p.found},maybe=${p.maybe},notfound=${p.notfound}`;
}
