/**
 * sysconfig files are POSIX shell assignments that initscripts and wicked
 * source and NetworkManager's ifcfg-rh plugin parses; this is the one place
 * that turns keys and values into that text.
 */

export const SYSCONFIG_HEADER = '# Created by cloud-init automatically, do not edit.\n#\n';

/** The first header line of a file stratus or any cloud-init version wrote. */
export const OWN_HEADER_LINE = /^# Created by cloud-init (on instance boot )?automatically, do not edit\.$/;

export type ShellValue = string | number | boolean;

/** Characters that need no quoting in a shell word (a conservative set). */
const BARE = /^[A-Za-z0-9_.,:/@%+=-]+$/;

/**
 * A value as one shell word without expansions: bare when safe, else
 * double-quoted (as cloud-init writes values with spaces), else
 * single-quoted. NetworkManager's ifcfg-rh reader and wicked read these files
 * as KEY=VALUE, not as shell, so backslash escapes are the last resort.
 */
export function shellQuote(value: string): string {
  if (BARE.test(value)) return value;
  if (!/[\\"$`\n]/.test(value)) return `"${value}"`;
  if (!/['\n]/.test(value)) return `'${value}'`;
  return `"${value.replace(/[\\"$`]/g, (c) => `\\${c}`)}"`;
}

export function shellValue(value: ShellValue): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

/** Keys sorted by code unit, as cloud-init writes them (so diffs against its files stay small). */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** KEY=value lines, keys sorted, after the header. */
export function shellFile(vars: ReadonlyMap<string, ShellValue>): string {
  const keys = [...vars.keys()].sort(byCodeUnit);
  return SYSCONFIG_HEADER + keys.map((k) => `${k}=${shellQuote(shellValue(vars.get(k)!))}\n`).join('');
}

/** KEY=value lines in the given order (route files group each route's keys). */
export function shellLines(pairs: readonly [string, ShellValue][]): string {
  return pairs.map(([k, v]) => `${k}=${shellQuote(shellValue(v))}\n`).join('');
}
