/**
 * The scalar styles' text → value, by PyYAML's rules: plain scalars with
 * line folding, single- and double-quoted scalars with their escapes and
 * folding, literal (|) and folded (>) block scalars with chomping and
 * indentation indicators.
 *
 * Each scan function starts at an offset and returns the value; where it
 * stopped is left in the exported `end`, `endLineStart` and `crossedLine`.
 * State lives in module variables rather than in an object: this code runs
 * cold (a one-shot process, mostly in V8's interpreter), where a variable is
 * cheaper than a property, which needs an inline cache warmed up first.
 */
import { isBlankOrEnd, isBreak, isBreakOrEnd, isDocumentMarker, isHexDigit, isSpaceBreakOrEnd, lineEnd } from './chars.ts';
import { showChar, YamlError } from './error.ts';

/** Offset after the scalar. */
export let end = 0;
/** Offset of the line the scalar ends on. */
export let endLineStart = 0;
/** Whether the scan consumed a line break after the scalar's last word (a simple key may start again). */
export let crossedLine = false;

let s = '';
let p = 0;
let lineStart = 0;

/** Drops the reference to the last text scanned. */
export function forgetText(): void {
  s = '';
}

function begin(text: string, at: number, lineAt: number): void {
  s = text;
  p = at;
  lineStart = lineAt;
  crossedLine = false;
}

function finish(value: string): string {
  end = p;
  endLineStart = lineStart;
  return value;
}

/** Consumes a line break and returns it as it counts in a value: LS and PS stay, the others become "\n". */
function lineBreak(): string {
  const c = s.charCodeAt(p);
  if (!isBreak(c)) return '';
  p = c === 13 && s.charCodeAt(p + 1) === 10 ? p + 2 : p + 1;
  lineStart = p;
  return c === 0x2028 || c === 0x2029 ? String.fromCharCode(c) : '\n';
}

/**
 * A plain scalar. Continuation lines must be indented more than `indent`
 * (the enclosing block's) unless inside [ ] or { }.
 */
export function scanPlain(text: string, at: number, lineAt: number, indent: number, flow: boolean): string {
  begin(text, at, lineAt);
  const minIndent = indent + 1;
  let value = '';
  let spaces = '';
  for (;;) {
    let q = p;
    if (s.charCodeAt(q) === 35) break; // "#" after whitespace starts a comment
    for (;;) {
      const c = s.charCodeAt(q);
      if (c === 32 || c === 10 || c === 13 || c === 9 || c === 0 || (c > 0x84 && (c === 0x85 || c === 0x2028 || c === 0x2029))) break;
      if (c === 58) {
        // ": " ends the value; in [ ] and { } so do ":," ":[" etc.
        const d = s.charCodeAt(q + 1);
        if (isBlankOrEnd(d) || (flow && (d === 44 || d === 91 || d === 93 || d === 123 || d === 125))) break;
      } else if (flow && (c === 44 || c === 63 || c === 91 || c === 93 || c === 123 || c === 125)) {
        break;
      }
      q++;
    }
    if (q === p) break;
    value = value === '' && spaces === '' ? s.slice(p, q) : value + spaces + s.slice(p, q);
    p = q;
    crossedLine = false;
    const more = plainSpaces();
    if (more === undefined || s.charCodeAt(p) === 35 || (!flow && p - lineStart < minIndent)) break;
    spaces = more;
  }
  // Whitespace and line breaks after the last word are consumed but not part of the value.
  return finish(value);
}

/** Whitespace inside a plain scalar, folded; undefined where the scalar ends (no whitespace, or a document marker). */
function plainSpaces(): string | undefined {
  const from = p;
  while (s.charCodeAt(p) === 32) p++;
  if (!isBreak(s.charCodeAt(p))) return p > from ? s.slice(from, p) : undefined;
  const first = lineBreak();
  crossedLine = true;
  if (isDocumentMarker(s, p)) return undefined;
  let breaks = '';
  for (;;) {
    const c = s.charCodeAt(p);
    if (c === 32) p++;
    else if (isBreak(c)) {
      breaks += lineBreak();
      if (isDocumentMarker(s, p)) return undefined;
    } else break;
  }
  if (first !== '\n') return first + breaks;
  return breaks === '' ? ' ' : breaks;
}

/** A single- or double-quoted scalar starting at its quote. */
export function scanQuoted(text: string, at: number, lineAt: number, double: boolean): string {
  begin(text, at, lineAt);
  const quote = double ? 34 : 39;
  p++;
  let value = quotedText(double, at);
  while (s.charCodeAt(p) !== quote) {
    value += quotedSpaces(double, at);
    value += quotedText(double, at);
  }
  p++;
  return finish(value);
}

/** Quoted text up to whitespace or the closing quote, escapes resolved. */
function quotedText(double: boolean, start: number): string {
  let out = '';
  for (;;) {
    let q = p;
    for (;;) {
      const c = s.charCodeAt(q);
      // (isBlankOrEnd, inlined: this runs for every character)
      if (c === 39 || c === 34 || c === 92 || c === 32 || c === 9 || c === 10 || c === 13 || c === 0 || (c > 0x84 && (c === 0x85 || c === 0x2028 || c === 0x2029))) break;
      q++;
    }
    if (q > p) {
      out += s.slice(p, q);
      p = q;
    }
    const c = s.charCodeAt(p);
    if (!double && c === 39 && s.charCodeAt(p + 1) === 39) {
      out += "'";
      p += 2;
    } else if ((double && c === 39) || (!double && (c === 34 || c === 92))) {
      out += String.fromCharCode(c);
      p++;
    } else if (double && c === 92) {
      out += escape(start);
    } else {
      return out;
    }
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  '\t': '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\x85',
  _: '\xa0',
  L: '\u2028',
  P: '\u2029',
};

function escape(start: number): string {
  const at = p;
  const c = s.charCodeAt(++p);
  if (c === 0) throw unclosedQuote(true, start);
  const ch = s[p]!;
  const simple = Object.hasOwn(SIMPLE_ESCAPES, ch) ? SIMPLE_ESCAPES[ch] : undefined;
  if (simple !== undefined) {
    p++;
    return simple;
  }
  const digits = c === 120 ? 2 : c === 117 ? 4 : c === 85 ? 8 : 0; // x u U
  if (digits > 0) {
    const from = p + 1;
    for (let i = 0; i < digits; i++) {
      if (!isHexDigit(s.charCodeAt(from + i))) throw new YamlError(`the escape \\${ch} must be followed by ${digits} hexadecimal digits`, at);
    }
    const code = parseInt(s.slice(from, from + digits), 16);
    if (code > 0x10ffff) throw new YamlError(`the escape ${s.slice(at, from + digits)} is beyond the last Unicode character (U+10FFFF)`, at);
    p = from + digits;
    return String.fromCodePoint(code);
  }
  if (isBreak(c)) {
    // A backslash at the end of a line joins the lines without a space.
    lineBreak();
    return quotedBreaks(start);
  }
  throw new YamlError(
    `unknown escape \\${String.fromCodePoint(s.codePointAt(p)!)} in a double-quoted string (write a backslash as \\\\, or use single quotes)`,
    at,
  );
}

/** Whitespace between words of a quoted scalar, with line folding. */
function quotedSpaces(double: boolean, start: number): string {
  const from = p;
  let c = s.charCodeAt(p);
  while (c === 32 || c === 9) c = s.charCodeAt(++p);
  if (c === 0) throw unclosedQuote(double, start);
  if (!isBreak(c)) return s.slice(from, p);
  const first = lineBreak();
  const breaks = quotedBreaks(start);
  if (first !== '\n') return first + breaks;
  return breaks === '' ? ' ' : breaks;
}

function quotedBreaks(start: number): string {
  let out = '';
  for (;;) {
    if (isDocumentMarker(s, p)) {
      throw new YamlError('a document marker ("---" or "...") inside a quoted string; the string that starts here is not closed before it', start);
    }
    let c = s.charCodeAt(p);
    while (c === 32 || c === 9) c = s.charCodeAt(++p);
    if (!isBreak(c)) return out;
    out += lineBreak();
  }
}

function unclosedQuote(double: boolean, start: number): YamlError {
  const q = double ? '"' : "'";
  return new YamlError(`Missing closing ${q}quote: the ${double ? 'double' : 'single'}-quoted string that starts here never ends`, start);
}

/**
 * A literal (|) or folded (>) block scalar starting at its indicator;
 * `indent` is the enclosing block's indentation.
 */
export function scanBlockScalar(text: string, at: number, lineAt: number, indent: number, folded: boolean, onlyLF: boolean): string {
  begin(text, at, lineAt);
  p++;
  // Header: chomping (+ keep, - strip) and indentation (1-9), in either order.
  let chomp = 0;
  let increment = 0;
  for (let i = 0; i < 2; i++) {
    const c = s.charCodeAt(p);
    if ((c === 43 || c === 45) && chomp === 0) {
      chomp = c === 43 ? 1 : -1;
      p++;
    } else if (c >= 48 && c <= 57 && increment === 0) {
      if (c === 48) throw new YamlError('the indentation indicator of a block scalar must be 1 to 9, not 0', p);
      increment = c - 48;
      p++;
    } else break;
  }
  let c = s.charCodeAt(p);
  if (!isSpaceBreakOrEnd(c)) {
    throw new YamlError(
      `after "${folded ? '>' : '|'}" only a chomping indicator (+ or -), an indentation digit (1-9), a comment or a line break may follow, not ${showChar(c)}`,
      p,
    );
  }
  while (s.charCodeAt(p) === 32) p++;
  if (s.charCodeAt(p) === 35) while (!isBreakOrEnd(s.charCodeAt(p))) p++;
  c = s.charCodeAt(p);
  if (!isBreakOrEnd(c)) throw new YamlError(`expected a comment or a line break after the block scalar header, not ${showChar(c)}`, p);
  lineBreak();

  const minIndent = Math.max(indent + 1, 1);
  let contentIndent: number;
  let breaks = '';
  if (increment === 0) {
    // Auto-detect: the indentation of the first non-empty line (or the deepest empty one before it).
    let maxIndent = 0;
    for (;;) {
      c = s.charCodeAt(p);
      if (c === 32) {
        p++;
        if (p - lineStart > maxIndent) maxIndent = p - lineStart;
      } else if (isBreak(c)) {
        breaks += lineBreak();
      } else break;
    }
    contentIndent = Math.max(minIndent, maxIndent);
  } else {
    contentIndent = minIndent + increment - 1;
    breaks = blockBreaks(contentIndent);
  }

  let value = '';
  let last = '';
  while (p - lineStart === contentIndent && s.charCodeAt(p) !== 0) {
    value += breaks;
    const first = s.charCodeAt(p);
    const leadingNonSpace = first !== 32 && first !== 9;
    const q = lineEnd(s, p, onlyLF);
    value += s.slice(p, q);
    p = q;
    last = lineBreak();
    breaks = blockBreaks(contentIndent);
    if (p - lineStart !== contentIndent || s.charCodeAt(p) === 0) break;
    // Folding joins lines with a space, except around more-indented lines and empty lines.
    const next = s.charCodeAt(p);
    if (folded && last === '\n' && leadingNonSpace && next !== 32 && next !== 9) {
      if (breaks === '') value += ' ';
    } else {
      value += last;
    }
  }
  if (chomp !== -1) value += last;
  if (chomp === 1) value += breaks;
  return finish(value);
}

/** Empty lines of a block scalar (up to its indentation). */
function blockBreaks(indent: number): string {
  let out = '';
  while (p - lineStart < indent && s.charCodeAt(p) === 32) p++;
  while (isBreak(s.charCodeAt(p))) {
    out += lineBreak();
    while (p - lineStart < indent && s.charCodeAt(p) === 32) p++;
  }
  return out;
}
