/**
 * Line- and token-aware mutation for line-oriented text formats (ENI,
 * dhclient/dhcpcd/networkd leases, nmcli output, EC2 listings): swap in a
 * token seen in the seeds or a hostile one, move, copy or drop lines, then
 * sometimes bytes.
 */
import { hostileString } from './hostile.ts';
import { mutateBytes } from './mutate-bytes.ts';
import type { Rng } from './rng.ts';

export interface TextDictionary {
  tokens: string[];
  lines: string[];
}

export function textDictionary(seeds: readonly Buffer[]): TextDictionary {
  const tokens = new Set<string>();
  const lines = new Set<string>();
  for (const s of seeds) {
    for (const line of s.toString('utf8').split('\n')) {
      if (lines.size < 5000) lines.add(line);
      for (const t of line.split(/[\s=;,"]+/)) if (t && tokens.size < 5000) tokens.add(t);
    }
  }
  return { tokens: [...tokens], lines: [...lines] };
}

export function mutateText(input: Buffer, rng: Rng, dict: TextDictionary, others: readonly Buffer[]): Buffer {
  const lines = input.toString('utf8').split('\n');
  const n = 1 + rng.small(5);
  for (let i = 0; i < n; i++) {
    const at = rng.int(lines.length);
    switch (rng.int(7)) {
      case 0:
      case 1: {
        // Replace one token of a line, keeping the line's separators.
        const parts = (lines[at] ?? '').split(/(\s+|=|;|,|")/);
        const words = parts.map((p, j) => [p, j] as const).filter(([p]) => p !== '' && !/^(\s+|=|;|,|")$/.test(p));
        if (words.length === 0) break;
        const [, j] = rng.pick(words);
        parts[j] = rng.chance(0.5) && dict.tokens.length ? rng.pick(dict.tokens) : hostileString(rng);
        lines[at] = parts.join('');
        break;
      }
      case 2:
        lines.splice(at, 1);
        break;
      case 3:
        lines.splice(rng.int(lines.length + 1), 0, lines[at] ?? '');
        break;
      case 4:
        if (dict.lines.length) lines.splice(at, 0, rng.pick(dict.lines));
        break;
      case 5:
        lines.splice(at, 0, hostileString(rng));
        break;
      default:
        lines[at] = (lines[at] ?? '').repeat(Math.min(1 + rng.small(2000), Math.floor(1_000_000 / Math.max(1, (lines[at] ?? '').length))));
        break;
    }
  }
  const out = Buffer.from(lines.join('\n'));
  return rng.chance(0.3) ? mutateBytes(out, rng, others) : out;
}
