/**
 * Character classes of YAML 1.1 as PyYAML applies them. Line breaks include
 * NEL, LS and PS, which PyYAML counts as line ends too; a tab is *not*
 * whitespace between tokens (PyYAML rejects it there, so stratus does).
 * The scanner appends a NUL as end marker; the text itself never contains
 * one (see findForbiddenChar).
 */

export function isBreak(c: number): boolean {
  return c === 10 || c === 13 || c === 0x85 || c === 0x2028 || c === 0x2029;
}

export function isBreakOrEnd(c: number): boolean {
  return c === 10 || c === 13 || c === 0 || c === 0x85 || c === 0x2028 || c === 0x2029;
}

/** Space, tab, line break or end. */
export function isBlankOrEnd(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 0 || c === 0x85 || c === 0x2028 || c === 0x2029;
}

/** Space, line break or end (PyYAML's set where a tab is not allowed). */
export function isSpaceBreakOrEnd(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 0 || c === 0x85 || c === 0x2028 || c === 0x2029;
}

/**
 * Offset of the line break (or end marker) at or after p. `onlyLF`: the
 * text has no CR, NEL, LS, PS or NUL, so a native search for LF finds it;
 * the character loop is the fallback, as it is slow in a cold process.
 */
export function lineEnd(s: string, p: number, onlyLF: boolean): number {
  if (onlyLF) {
    const q = s.indexOf('\n', p);
    return q < 0 ? s.length - 1 : q;
  }
  for (let c = s.charCodeAt(p); !isBreakOrEnd(c); c = s.charCodeAt(++p));
  return p;
}

/** Whether a text's only line breaks are LF (see lineEnd). */
export function hasOnlyLF(text: string): boolean {
  return !(text.includes('\r') || text.includes('\x85') || text.includes('\u2028') || text.includes('\u2029') || text.includes('\0'));
}

/** A "---" or "..." line at p (which must be the start of a line). */
export function isDocumentMarker(s: string, p: number): boolean {
  const c = s.charCodeAt(p);
  return (c === 45 || c === 46) && s.charCodeAt(p + 1) === c && s.charCodeAt(p + 2) === c && isBlankOrEnd(s.charCodeAt(p + 3));
}

/** Letters, digits, "-" and "_": anchor, alias, directive and tag handle names. */
export function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 95;
}

export function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** Characters of a tag URI (a percent sign starts an escape). */
export function isUriChar(c: number): boolean {
  if (isWordChar(c)) return true;
  switch (c) {
    case 59: // ;
    case 47: // /
    case 63: // ?
    case 58: // :
    case 64: // @
    case 38: // &
    case 61: // =
    case 43: // +
    case 36: // $
    case 44: // ,
    case 46: // .
    case 33: // !
    case 126: // ~
    case 42: // *
    case 39: // '
    case 40: // (
    case 41: // )
    case 91: // [
    case 93: // ]
    case 37: // %
      return true;
    default:
      return false;
  }
}

/**
 * Characters YAML does not allow in a document at all: C0 and C1 controls
 * other than tab and line breaks, DEL, U+FFFE and U+FFFF, NUL (which the
 * scanner uses as its end marker) and surrogates that are not half of a
 * pair (text decoded from UTF-8 has none, but a caller may pass any string).
 */
const FORBIDDEN =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u0084\u0086-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Offset of the first character YAML does not allow, or -1. */
export function findForbiddenChar(text: string): number {
  const m = FORBIDDEN.exec(text);
  return m === null ? -1 : m.index;
}
