/**
 * ENI text → logical lines as ifupdown reads them: a trailing backslash
 * continues a line, lines starting with "#" are comments, words are
 * separated by any run of blanks.
 */

export interface EniLine {
  /** 1-based line number where the logical line starts. */
  number: number;
  /** 1-based column of its first word. */
  column: number;
  words: string[];
}

export function logicalLines(text: string): EniLine[] {
  const out: EniLine[] = [];
  let pending = '';
  let start = 0;
  text.split(/\r?\n/).forEach((raw, index) => {
    if (pending === '') start = index + 1;
    if (raw.endsWith('\\')) {
      pending += `${raw.slice(0, -1)} `;
      return;
    }
    const full = pending + raw;
    pending = '';
    const trimmed = full.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    out.push({ number: start, column: full.length - full.trimStart().length + 1, words: trimmed.split(/\s+/) });
  });
  if (pending.trim() !== '' && !pending.trim().startsWith('#')) {
    const trimmed = pending.trim();
    out.push({ number: start, column: pending.length - pending.trimStart().length + 1, words: trimmed.split(/\s+/) });
  }
  return out;
}
