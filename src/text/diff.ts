/**
 * Unified diffs (`diff -u` / git style) of two texts, for showing what a
 * plan would change. Pure.
 *
 * Lines are compared with their line ending, so "x" at the end of a file
 * without a newline differs from "x\n", and the hunk says so with
 * "\ No newline at end of file", as GNU diff does. A missing file (null) is
 * /dev/null in the header.
 *
 * The edit script is Myers' O(ND) shortest one, after the common head and
 * tail are set aside. Its time grows with (N + M) * D and its memory with
 * D * D (D: the number of changed lines), so D is capped: at most
 * MAX_EDIT_DISTANCE, and at most WORK_BUDGET / (N + M). Past the cap the
 * changed middle becomes one block, every old line removed and every new
 * line added: still a correct diff (it applies and gives the new text),
 * only not minimal, made in linear time. Large files with few changes
 * (the usual config edit) stay minimal.
 */

const MAX_EDIT_DISTANCE = 2000;
/** About a quarter of a second of snake steps. */
const WORK_BUDGET = 50_000_000;

/** Lines with their "\n" kept (the last may lack it). */
function splitLines(text: string): string[] {
  return text === '' ? [] : text.split(/(?<=\n)/);
}

type Op = { kind: ' ' | '-' | '+'; line: string };

/** Myers' greedy algorithm on a[lo..] / b[lo..]; null when the distance passes the bound. */
function myers(a: readonly string[], b: readonly string[]): Op[] | null {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, MAX_EDIT_DISTANCE, Math.floor(WORK_BUDGET / Math.max(1, n + m)));
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
  }
  if (found < 0) return null;
  // Walk back through the saved V arrays (trace[d] holds V before round d, for k in -d-1..d+1).
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const prev = trace[d]!;
    const at = (k: number) => prev[k + d + 1]!;
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    for (; x > prevX && y > prevY; y--) ops.push({ kind: ' ', line: a[--x]! });
    if (down) ops.push({ kind: '+', line: b[--y]! });
    else ops.push({ kind: '-', line: a[--x]! });
  }
  for (; x > 0 && y > 0; y--) ops.push({ kind: ' ', line: a[--x]! });
  return ops.reverse();
}

function editScript(a: readonly string[], b: readonly string[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  const middle = myers(midA, midB) ?? [
      ...midA.map((line): Op => ({ kind: '-', line })),
      ...midB.map((line): Op => ({ kind: '+', line })),
    ];
  return [
    ...a.slice(0, head).map((line): Op => ({ kind: ' ', line })),
    ...middle,
    ...a.slice(a.length - tail).map((line): Op => ({ kind: ' ', line })),
  ];
}

/** Within each run of changes, removals first, then additions (as diff -u prints them). */
function groupChanges(ops: Op[]): Op[] {
  const out: Op[] = [];
  for (let i = 0; i < ops.length; ) {
    if (ops[i]!.kind === ' ') {
      out.push(ops[i++]!);
      continue;
    }
    const del: Op[] = [];
    const add: Op[] = [];
    while (i < ops.length && ops[i]!.kind !== ' ') (ops[i]!.kind === '-' ? del : add).push(ops[i++]!);
    out.push(...del, ...add);
  }
  return out;
}

function range(start: number, count: number): string {
  // An empty range names the line before it (0 for the start of the file).
  const first = count === 0 ? start - 1 : start;
  return count === 1 ? `${first}` : `${first},${count}`;
}

function header(name: string | null, side: 'a' | 'b'): string {
  return name === null ? '/dev/null' : `${side}/${name.replace(/^\/+/, '')}`;
}

/**
 * The unified diff from `oldText` to `newText` ('' when they are equal).
 * null stands for a file that does not exist; names are paths, shown as
 * a/<path> and b/<path>. A file created empty (or removed while empty)
 * gives the two header lines only.
 */
export function unifiedDiff(oldText: string | null, newText: string | null, oldName: string, newName: string, context = 3): string {
  if (oldText === newText) return '';
  const heads = `--- ${header(oldText === null ? null : oldName, 'a')}\n+++ ${header(newText === null ? null : newName, 'b')}\n`;
  const a = splitLines(oldText ?? '');
  const b = splitLines(newText ?? '');
  const ops = groupChanges(editScript(a, b));

  // Positions (1-based) of each op in the old and new file.
  const changes: number[] = [];
  ops.forEach((op, i) => op.kind !== ' ' && changes.push(i));
  if (changes.length === 0) return heads;
  let out = heads;
  let ci = 0;
  const oldLineAt: number[] = [];
  const newLineAt: number[] = [];
  let oa = 1;
  let nb = 1;
  for (const op of ops) {
    oldLineAt.push(oa);
    newLineAt.push(nb);
    if (op.kind !== '+') oa++;
    if (op.kind !== '-') nb++;
  }
  while (ci < changes.length) {
    const start = Math.max(0, changes[ci]! - context);
    let end = changes[ci]! + 1;
    // Changes closer than 2 * context lines share a hunk.
    while (ci + 1 < changes.length && changes[ci + 1]! - (end - 1) <= 2 * context + 1) end = changes[++ci]! + 1;
    end = Math.min(ops.length, end + context);
    ci++;
    const hunk = ops.slice(start, end);
    const oldCount = hunk.filter((o) => o.kind !== '+').length;
    const newCount = hunk.filter((o) => o.kind !== '-').length;
    out += `@@ -${range(oldLineAt[start]!, oldCount)} +${range(newLineAt[start]!, newCount)} @@\n`;
    for (const op of hunk) {
      out += op.kind + op.line;
      if (!op.line.endsWith('\n')) out += '\n\\ No newline at end of file\n';
    }
  }
  return out;
}
