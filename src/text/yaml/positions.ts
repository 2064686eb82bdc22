/**
 * Offsets → 1-based line and column. The table of line starts is built only
 * when a position is asked for (diagnostics), never on the load path. Line
 * ends are YAML's: LF, CR LF, CR, NEL, LS and PS.
 */
export class LineIndex {
  private starts: number[] | undefined;

  constructor(private readonly text: string) {}

  position(offset: number): { line: number; column: number } {
    const starts = (this.starts ??= lineStarts(this.text));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  }

  line(offset: number): number {
    return this.position(offset).line;
  }
}

function lineStarts(text: string): number[] {
  const starts = [0];
  // A byte order mark does not count as a column.
  if (text.charCodeAt(0) === 0xfeff) starts[0] = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 0x85 || c === 0x2028 || c === 0x2029) starts.push(i + 1);
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}
