/**
 * Elapsed time in milliseconds from a monotonic clock. The global
 * `performance` object loads node's perf_hooks machinery on first use
 * (several internal modules); hrtime does not.
 */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
