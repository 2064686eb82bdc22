/**
 * Which HTTP statuses a metadata client retries, apart from the client
 * itself: a datasource that only decides what to retry (NoCloud's seed
 * URL, CloudStack) must not load node's http and https (host/http.ts) on a
 * boot that never fetches anything.
 */

/** Statuses that say "not now" rather than "no": a timeout, throttling, a server error. Metadata clients retry these and nothing else. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}
