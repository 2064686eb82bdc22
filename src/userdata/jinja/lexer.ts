/**
 * Splits a template into text and tags ({{ }}, {% %}, {# #}) with their
 * lines, applying whitespace control ("-" inside a delimiter strips the
 * whitespace on that side) and trim_blocks (cloud-init renders with it on:
 * the first newline after a block tag or comment is dropped); and splits
 * tag content into expression tokens.
 */
import { JinjaError } from './errors.ts';

export type Chunk =
  | { kind: 'text'; text: string; line: number }
  | { kind: 'output'; source: string; line: number }
  | { kind: 'block'; source: string; line: number };

const CLOSERS = { '{{': '}}', '{%': '%}', '{#': '#}' } as const;

/** Line breaks in s[from, to). Only that range is looked at: indexOf would scan on to the next break, to the end of a long line for every tag in it. */
function countLines(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
}

/** End of a tag's content: the closer outside string literals. */
function findCloser(src: string, from: number, closer: string): number {
  let quote: string | null = null;
  for (let i = from; i < src.length; i++) {
    const c = src[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === closer[0] && src[i + 1] === closer[1]) {
      // Comments may hold anything; only their closer counts.
      return i;
    }
  }
  return -1;
}

export function splitTemplate(src: string): Chunk[] {
  const chunks: Chunk[] = [];
  let pos = 0;
  let line = 1;
  let stripNextLeading = false;
  let trimNextNewline = false;
  const re = /\{[{%#]/g;
  while (pos <= src.length) {
    re.lastIndex = pos;
    const m = re.exec(src);
    const open = m ? m.index : src.length;
    let text = src.slice(pos, open);
    const textLine = line;
    line += countLines(src, pos, open);
    if (trimNextNewline) text = text.replace(/^\r?\n/, '');
    if (stripNextLeading) text = text.replace(/^\s+/, '');
    if (m && src[open + 2] === '-') text = text.replace(/\s+$/, '');
    if (text) chunks.push({ kind: 'text', text, line: textLine });
    if (!m) break;
    const opener = m[0] as keyof typeof CLOSERS;
    const closer = CLOSERS[opener];
    const contentStart = open + 2 + (src[open + 2] === '-' ? 1 : 0);
    const close = opener === '{#' ? src.indexOf('#}', contentStart) : findCloser(src, contentStart, closer);
    if (close < 0) throw new JinjaError(`"${opener}" is never closed with "${closer}"`, line, 'syntax');
    const stripRight = src[close - 1] === '-' && close - 1 >= contentStart;
    const source = src.slice(contentStart, stripRight ? close - 1 : close);
    if (opener === '{{') chunks.push({ kind: 'output', source, line });
    else if (opener === '{%') chunks.push({ kind: 'block', source, line });
    line += countLines(src, open, close + 2);
    pos = close + 2;
    stripNextLeading = stripRight;
    trimNextNewline = opener !== '{{';
  }
  return chunks;
}

export type Token =
  | { t: 'name'; v: string }
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'op'; v: string };

const OPS = ['//', '==', '!=', '<=', '>=', '**', '<', '>', '(', ')', '[', ']', '{', '}', '.', ',', '|', '~', '+', '-', '*', '/', '%', ':', '='];

export function tokenize(src: string, line: number): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] ?? '';
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
      const v = m?.[0] ?? c;
      out.push({ t: 'name', v });
      i += v.length;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^[0-9][0-9_]*(\.[0-9_]+)?([eE][-+]?[0-9]+)?/.exec(src.slice(i));
      const v = m?.[0] ?? c;
      out.push({ t: 'num', v: Number(v.replace(/_/g, '')) });
      i += v.length;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let v = '';
      for (; j < src.length && src[j] !== c; j++) {
        if (src[j] === '\\' && j + 1 < src.length) {
          j++;
          const e = src[j] ?? '';
          v += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
        } else {
          v += src[j];
        }
      }
      if (j >= src.length) throw new JinjaError('a string literal is not closed', line, 'syntax');
      out.push({ t: 'str', v });
      i = j + 1;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new JinjaError(`unexpected character ${JSON.stringify(c)}`, line, 'syntax');
    out.push({ t: 'op', v: op });
    i += op.length;
  }
  return out;
}
