/** One activation command: run, and its failure logged as a warning (activation problems never abort a boot). */
import type { ActivationContext } from './types.ts';

/** Activation commands wait on daemons that may be slow to answer at boot; a minute bounds each. */
export const ACTIVATION_TIMEOUT_MS = 60_000;

export function runStep(ctx: ActivationContext, argv: readonly string[]): boolean {
  const r = ctx.run(argv, ACTIVATION_TIMEOUT_MS);
  const shown = argv.join(' ');
  if (!r.ran) {
    ctx.log.info(`${shown}: not run (${r.why ?? 'skipped'})`);
    return true;
  }
  if (r.code !== 0) {
    const detail = r.timedOut ? 'timed out' : `exit ${r.code}`;
    ctx.log.warn(`${shown} failed (${detail})${r.stderr.trim() ? `: ${r.stderr.trim()}` : ''}`);
    return false;
  }
  if (r.stderr.trim()) ctx.log.debug(`${shown}: ${r.stderr.trim()}`);
  return true;
}

/** The first of `paths` present on the target, or undefined. */
export function firstPresent(ctx: ActivationContext, paths: readonly string[]): string | undefined {
  return paths.find((p) => ctx.fs.kind(p) !== null);
}

/** Links that exist now: a bond or VLAN not created yet is configured by the service when it appears. */
export function existingLinks(ctx: ActivationContext, links: readonly string[]): string[] {
  return links.filter((l) => ctx.fs.kind(`/sys/class/net/${l}`) !== null);
}
