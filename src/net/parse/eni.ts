/**
 * Debian ENI text (/etc/network/interfaces) → network config v1, as
 * cloud-init's `net-convert --kind eni` reads it.
 */
import type { Reader } from '../../text/reader.ts';

/** Returns a v1 config document ({version: 1, config: [...]}) or undefined after recording errors in `r`. */
export function eniToV1(r: Reader, text: string): Record<string, unknown> | undefined {
  void text;
  return r.error([], 'ENI input is not implemented yet');
}
