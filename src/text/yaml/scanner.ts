/**
 * Text → tokens, by the rules PyYAML's scanner follows (YAML 1.1): block
 * structure from indentation (BlockMappingStart/BlockSequenceStart/BlockEnd),
 * "simple keys" recognised after the fact when their ":" turns up, anchors,
 * tags and directives; the scalar styles are in scalars.ts. Keeping PyYAML's
 * token rules, quirks included (a tab may not separate tokens, "[a?b]" is an
 * error), is what makes stratus accept and reject what cloud-init does.
 *
 * The whole text is scanned up front into an array; a simple key's Key token
 * is spliced in where the key began, which is always near the array's end
 * because a simple key must sit on one line.
 */
import { hasOnlyLF, isBlankOrEnd, isBreakOrEnd, isDocumentMarker, isHexDigit, isSpaceBreakOrEnd, isUriChar, isWordChar, lineEnd } from './chars.ts';
import { showChar, YamlError } from './error.ts';
import { crossedLine, end, endLineStart, forgetText, scanBlockScalar, scanPlain, scanQuoted } from './scalars.ts';
import { indicator, Style, Tok, token, type Token } from './tokens.ts';

/** A token that becomes a key if a ":" follows on the same line. */
interface SimpleKey {
  /** Where in `tokens` its Key token goes. */
  tokenIndex: number;
  /** A key at the mapping's own indentation in block context: without ":" the text is invalid. */
  required: boolean;
  offset: number;
  lineStart: number;
}

/** PyYAML gives up on a simple key this many characters after its start. */
const MAX_SIMPLE_KEY_LENGTH = 1024;

// The scanner's state, in module variables rather than an object (see
// scalars.ts for why). scan() is not re-entrant: nothing it calls calls back.
let s = '';
let p = 0;
/** Offset where the current line starts; the column is p - lineStart. */
let lineStart = 0;
let flowLevel = 0;
let indent = -1;
let indents: number[] = [];
let allowSimpleKey = true;
/** Possible simple key per flow level. */
let keys: (SimpleKey | undefined)[] = [];
/** How many entries of `keys` are set (most tokens find none to check). */
let pendingKeys = 0;
let tokens: Token[] = [];
/** The text's line breaks are all LF (see lineEnd). */
let onlyLF = true;
let maxFlowLevel = 0;

/**
 * `maxDepth` bounds the nesting of [ ] and { } already here: the parser
 * would refuse the document anyway, and possible keys are kept per level.
 */
export function scan(text: string, maxDepth: number): Token[] {
  maxFlowLevel = maxDepth;
  s = `${text}\0`;
  p = 0;
  lineStart = 0;
  flowLevel = 0;
  indent = -1;
  indents = [];
  allowSimpleKey = true;
  keys = [];
  pendingKeys = 0;
  tokens = [];
  onlyLF = hasOnlyLF(text);
  try {
    return run();
  } finally {
    // Let the text and tokens go with the caller.
    s = '';
    tokens = [];
    forgetText();
  }
}

// --- whitespace, comments, indentation

function skipToToken(): void {
  for (;;) {
    let c = s.charCodeAt(p);
    while (c === 32) c = s.charCodeAt(++p);
    if (c === 35) {
      // # comment
      p = lineEnd(s, p, onlyLF);
      c = s.charCodeAt(p);
    }
    // (isBreak, inlined: this runs for every token)
    if (c !== 10 && c !== 13 && !(c > 0x84 && (c === 0x85 || c === 0x2028 || c === 0x2029))) return;
    p = c === 13 && s.charCodeAt(p + 1) === 10 ? p + 2 : p + 1;
    lineStart = p;
    if (flowLevel === 0) allowSimpleKey = true;
  }
}

function unwindIndent(column: number): void {
  // Indentation means nothing inside [ ] and { }.
  if (flowLevel > 0) return;
  while (indent > column) {
    indent = indents.pop()!;
    tokens.push(indicator(Tok.BlockEnd, p));
  }
}

function addIndent(column: number): boolean {
  if (indent >= column) return false;
  indents.push(indent);
  indent = column;
  return true;
}

// --- simple keys

function saveKey(): void {
  if (!allowSimpleKey) return;
  removeKey();
  keys[flowLevel] = { tokenIndex: tokens.length, required: flowLevel === 0 && indent === p - lineStart, offset: p, lineStart };
  pendingKeys++;
}

function removeKey(): void {
  const key = keys[flowLevel];
  if (key === undefined) return;
  if (key.required) throw missingColon(key);
  keys[flowLevel] = undefined;
  pendingKeys--;
}

/** A possible key ends with its line (or after 1024 characters). */
function dropStaleKeys(): void {
  for (let level = 0; level < keys.length; level++) {
    const key = keys[level];
    if (key !== undefined && (key.lineStart !== lineStart || p - key.offset > MAX_SIMPLE_KEY_LENGTH)) {
      if (key.required) throw missingColon(key);
      keys[level] = undefined;
      pendingKeys--;
    }
  }
}

function missingColon(key: SimpleKey): YamlError {
  const first = tokens[key.tokenIndex];
  const what =
    first?.kind === Tok.Scalar && first.style === Style.Plain ? `"${first.value.length > 40 ? `${first.value.slice(0, 37)}...` : first.value}"` : 'this key';
  return new YamlError(
    `expected ":" after ${what}: at this indentation each line must be a "key: value" pair (a key must fit on one line, within ${MAX_SIMPLE_KEY_LENGTH} characters)`,
    key.offset,
  );
}

// --- indicators

function documentMarker(kind: Tok): void {
  unwindIndent(-1);
  removeKey();
  allowSimpleKey = false;
  tokens.push(indicator(kind, p));
  p += 3;
}

function flowStart(kind: Tok): void {
  saveKey();
  // (The outermost collection is at depth 0, so depth maxDepth is flow level maxDepth + 1.)
  if (flowLevel > maxFlowLevel) throw new YamlError(`nested more than ${maxFlowLevel} levels deep`, p);
  flowLevel++;
  allowSimpleKey = true;
  tokens.push(indicator(kind, p++));
}

function flowEnd(kind: Tok): void {
  removeKey();
  if (flowLevel > 0) flowLevel--;
  allowSimpleKey = false;
  tokens.push(indicator(kind, p++));
}

function blockEntry(): void {
  if (flowLevel === 0) {
    if (!allowSimpleKey) throw new YamlError('a list item ("- ") cannot start here; put it on its own line, indented under its key', p);
    if (addIndent(p - lineStart)) tokens.push(indicator(Tok.BlockSequenceStart, p));
  }
  // Inside [ ] or { } the parser rejects it.
  allowSimpleKey = true;
  removeKey();
  tokens.push(indicator(Tok.BlockEntry, p++));
}

function explicitKey(): void {
  if (flowLevel === 0) {
    if (!allowSimpleKey) throw new YamlError('an explicit key ("? ") cannot start here; put it on its own line', p);
    if (addIndent(p - lineStart)) tokens.push(indicator(Tok.BlockMappingStart, p));
  }
  allowSimpleKey = flowLevel === 0;
  removeKey();
  tokens.push(indicator(Tok.Key, p++));
}

function value(): void {
  const key = keys[flowLevel];
  if (key !== undefined) {
    keys[flowLevel] = undefined;
    pendingKeys--;
    if (flowLevel === 0 && addIndent(key.offset - key.lineStart)) {
      tokens.splice(key.tokenIndex, 0, indicator(Tok.BlockMappingStart, key.offset), indicator(Tok.Key, key.offset));
    } else {
      tokens.splice(key.tokenIndex, 0, indicator(Tok.Key, key.offset));
    }
    allowSimpleKey = false;
  } else {
    if (flowLevel === 0) {
      if (!allowSimpleKey) {
        throw new YamlError(
          'unexpected ":" (a mapping cannot start here); a value that contains ": " must be quoted, and a nested mapping must start on its own line',
          p,
        );
      }
      if (addIndent(p - lineStart)) tokens.push(indicator(Tok.BlockMappingStart, p));
    }
    allowSimpleKey = flowLevel === 0;
    removeKey();
  }
  tokens.push(indicator(Tok.Value, p++));
}

function canStartPlain(c: number, next: number): boolean {
  switch (c) {
    case 45: // -
      return !isBlankOrEnd(next);
    case 63: // ?
    case 58: // :
      return flowLevel === 0 && !isBlankOrEnd(next);
    case 0:
    case 32:
    case 9:
    case 10:
    case 13:
    case 0x85:
    case 0x2028:
    case 0x2029:
    case 44: // ,
    case 91: // [
    case 93: // ]
    case 123: // {
    case 125: // }
    case 35: // #
    case 38: // &
    case 42: // *
    case 33: // !
    case 124: // |
    case 62: // >
    case 39: // '
    case 34: // "
    case 37: // %
    case 64: // @
    case 96: // `
      return false;
    default:
      return true;
  }
}

function noTokenError(c: number): YamlError {
  if (c === 9) {
    if (/^[ \t]*$/.test(s.slice(lineStart, p))) return new YamlError('Tabs are not allowed as indentation; indent with spaces', p);
    return new YamlError('Tabs are not allowed between the parts of a line (only inside quotes, block scalars and comments); use spaces', p);
  }
  if (c === 64 || c === 96) return new YamlError(`${showChar(c)} is reserved in YAML and cannot start a value; put the value in quotes`, p);
  if (c === 124 || c === 62) return new YamlError(`a block scalar (${showChar(c)}) cannot be used inside [ ] or { }`, p);
  if (c === 37) return new YamlError('"%" cannot start a value (a directive must start at the beginning of a line); put the value in quotes', p);
  return new YamlError(`${showChar(c)} cannot start a value here; put the value in quotes`, p);
}

// --- anchors, aliases, tags

function anchorOrAlias(kind: Tok.Anchor | Tok.Alias): void {
  saveKey();
  allowSimpleKey = false;
  const start = p;
  let q = start + 1;
  while (isWordChar(s.charCodeAt(q))) q++;
  const c = s.charCodeAt(q);
  const name = s.slice(start + 1, q);
  // What may follow the name: blank, end, or one of ? : , ] } % @ `
  if (name === '' || !(isBlankOrEnd(c) || c === 63 || c === 58 || c === 44 || c === 93 || c === 125 || c === 37 || c === 64 || c === 96)) {
    const what = kind === Tok.Anchor ? 'an anchor name (after "&")' : 'an alias name (after "*")';
    throw new YamlError(`${what} may contain only letters, digits, "-" and "_", not ${showChar(c)}`, q);
  }
  p = q;
  tokens.push(token(kind, start, name, Style.Plain, ''));
}

function tag(): void {
  saveKey();
  allowSimpleKey = false;
  const start = p;
  const c = s.charCodeAt(start + 1);
  let handle: string;
  let suffix: string;
  if (c === 60) {
    // !<verbatim>
    handle = '';
    p += 2;
    suffix = tagUri();
    if (s.charCodeAt(p) !== 62) throw new YamlError(`expected ">" to end the tag, not ${showChar(s.charCodeAt(p))}`, p);
    p++;
  } else if (isBlankOrEnd(c)) {
    // "!" alone: the non-specific tag.
    handle = '';
    suffix = '!';
    p++;
  } else {
    let n = 1;
    let named = false;
    for (let d = c; !isSpaceBreakOrEnd(d); d = s.charCodeAt(start + ++n)) {
      if (d === 33) {
        named = true;
        break;
      }
    }
    if (named) {
      handle = tagHandle();
    } else {
      handle = '!';
      p++;
    }
    suffix = tagUri();
  }
  const after = s.charCodeAt(p);
  if (!isSpaceBreakOrEnd(after)) throw new YamlError(`a tag must be followed by a space, not ${showChar(after)}`, p);
  tokens.push(token(Tok.Tag, start, suffix, Style.Plain, handle));
}

/** "!", "!!" or "!name!". */
function tagHandle(): string {
  const start = p;
  if (s.charCodeAt(start) !== 33) throw new YamlError(`expected "!" to start a tag handle, not ${showChar(s.charCodeAt(start))}`, start);
  let q = start + 1;
  if (s.charCodeAt(q) !== 32) {
    while (isWordChar(s.charCodeAt(q))) q++;
    if (s.charCodeAt(q) !== 33) {
      throw new YamlError(`a tag handle may contain only letters, digits, "-" and "_" between its "!"s, not ${showChar(s.charCodeAt(q))}`, q);
    }
    q++;
  }
  p = q;
  return s.slice(start, q);
}

function tagUri(): string {
  let out = '';
  let from = p;
  for (let c = s.charCodeAt(p); isUriChar(c); c = s.charCodeAt(p)) {
    if (c !== 37) {
      p++;
      continue;
    }
    // %XX escapes, decoded together as UTF-8.
    out += s.slice(from, p);
    const escStart = p;
    while (s.charCodeAt(p) === 37) {
      if (!isHexDigit(s.charCodeAt(p + 1)) || !isHexDigit(s.charCodeAt(p + 2))) {
        throw new YamlError('a "%" in a tag must be followed by two hexadecimal digits', p);
      }
      p += 3;
    }
    try {
      out += decodeURIComponent(s.slice(escStart, p));
    } catch {
      throw new YamlError('the %-escapes in this tag are not UTF-8', escStart);
    }
    from = p;
  }
  out += s.slice(from, p);
  if (out === '') throw new YamlError(`expected a tag name, not ${showChar(s.charCodeAt(p))}`, p);
  return out;
}

// --- directives

function directive(): void {
  unwindIndent(-1);
  removeKey();
  allowSimpleKey = false;
  const start = p;
  let q = start + 1;
  while (isWordChar(s.charCodeAt(q))) q++;
  const name = s.slice(start + 1, q);
  if (name === '' || !isSpaceBreakOrEnd(s.charCodeAt(q))) {
    throw new YamlError(`a directive name may contain only letters, digits, "-" and "_", not ${showChar(s.charCodeAt(q))}`, q);
  }
  p = q;
  let aux = '';
  if (name === 'YAML') {
    skipSpaces();
    const major = directiveNumber();
    if (s.charCodeAt(p) !== 46) throw new YamlError(`expected "." in the %YAML version, not ${showChar(s.charCodeAt(p))}`, p);
    p++;
    const minor = directiveNumber();
    if (!isSpaceBreakOrEnd(s.charCodeAt(p))) throw new YamlError(`expected a digit or a space in the %YAML version, not ${showChar(s.charCodeAt(p))}`, p);
    aux = `${major}.${minor}`;
  } else if (name === 'TAG') {
    skipSpaces();
    const handle = tagHandle();
    if (s.charCodeAt(p) !== 32) throw new YamlError(`expected a space after the tag handle, not ${showChar(s.charCodeAt(p))}`, p);
    skipSpaces();
    const prefix = tagUri();
    if (!isSpaceBreakOrEnd(s.charCodeAt(p))) throw new YamlError(`expected a space or a line break after the tag prefix, not ${showChar(s.charCodeAt(p))}`, p);
    aux = `${handle} ${prefix}`;
  } else {
    // Unknown directives are ignored, as YAML asks.
    while (!isBreakOrEnd(s.charCodeAt(p))) p++;
  }
  skipSpaces();
  if (s.charCodeAt(p) === 35) while (!isBreakOrEnd(s.charCodeAt(p))) p++;
  const c = s.charCodeAt(p);
  if (!isBreakOrEnd(c)) throw new YamlError(`expected a comment or the end of the line after the directive, not ${showChar(c)}`, p);
  if (c !== 0) {
    p = c === 13 && s.charCodeAt(p + 1) === 10 ? p + 2 : p + 1;
    lineStart = p;
  }
  tokens.push(token(Tok.Directive, start, name, Style.Plain, aux));
}

function skipSpaces(): void {
  while (s.charCodeAt(p) === 32) p++;
}

function directiveNumber(): number {
  const start = p;
  while (s.charCodeAt(p) >= 48 && s.charCodeAt(p) <= 57) p++;
  if (p === start) throw new YamlError(`expected a digit in the %YAML version, not ${showChar(s.charCodeAt(start))}`, start);
  return Number(s.slice(start, p));
}

// --- scalars (scanned in scalars.ts)

function scalar(style: Style): void {
  const start = p;
  let v: string;
  if (style === Style.Plain) {
    saveKey();
    v = scanPlain(s, p, lineStart, indent, flowLevel > 0);
    // A line break after the value lets a key start on the next line.
    allowSimpleKey = crossedLine;
  } else if (style === Style.SingleQuoted || style === Style.DoubleQuoted) {
    saveKey();
    allowSimpleKey = false;
    v = scanQuoted(s, p, lineStart, style === Style.DoubleQuoted);
  } else {
    allowSimpleKey = true;
    removeKey();
    v = scanBlockScalar(s, p, lineStart, indent, style === Style.Folded, onlyLF);
  }
  p = end;
  lineStart = endLineStart;
  tokens.push(token(Tok.Scalar, start, v, style, ''));
}

// --- the loop

function run(): Token[] {
  if (s.charCodeAt(0) === 0xfeff) {
    // A byte order mark is not content; columns count from after it.
    p = 1;
    lineStart = 1;
  }
  for (;;) {
    skipToToken();
    if (pendingKeys > 0) dropStaleKeys();
    const column = p - lineStart;
    if (indent > column) unwindIndent(column);
    const c = s.charCodeAt(p);
    // Most tokens are words: a letter or digit can only start a plain scalar.
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57)) {
      scalar(Style.Plain);
      continue;
    }
    const next = s.charCodeAt(p + 1);
    switch (c) {
      case 0:
        unwindIndent(-1);
        removeKey();
        tokens.push(indicator(Tok.StreamEnd, p));
        return tokens;
      case 37: // %
        if (column === 0) {
          directive();
          continue;
        }
        break;
      case 45: // -
        if (column === 0 && isDocumentMarker(s, p)) {
          documentMarker(Tok.DocumentStart);
          continue;
        }
        if (isBlankOrEnd(next)) {
          blockEntry();
          continue;
        }
        break;
      case 46: // .
        if (column === 0 && isDocumentMarker(s, p)) {
          documentMarker(Tok.DocumentEnd);
          continue;
        }
        break;
      case 91: // [
        flowStart(Tok.FlowSequenceStart);
        continue;
      case 123: // {
        flowStart(Tok.FlowMappingStart);
        continue;
      case 93: // ]
        flowEnd(Tok.FlowSequenceEnd);
        continue;
      case 125: // }
        flowEnd(Tok.FlowMappingEnd);
        continue;
      case 44: // ,
        allowSimpleKey = true;
        removeKey();
        tokens.push(indicator(Tok.FlowEntry, p++));
        continue;
      case 63: // ?
        if (flowLevel > 0 || isBlankOrEnd(next)) {
          explicitKey();
          continue;
        }
        break;
      case 58: // :
        if (flowLevel > 0 || isBlankOrEnd(next)) {
          value();
          continue;
        }
        break;
      case 42: // *
        anchorOrAlias(Tok.Alias);
        continue;
      case 38: // &
        anchorOrAlias(Tok.Anchor);
        continue;
      case 33: // !
        tag();
        continue;
      case 124: // |
        if (flowLevel === 0) {
          scalar(Style.Literal);
          continue;
        }
        break;
      case 62: // >
        if (flowLevel === 0) {
          scalar(Style.Folded);
          continue;
        }
        break;
      case 39: // '
        scalar(Style.SingleQuoted);
        continue;
      case 34: // "
        scalar(Style.DoubleQuoted);
        continue;
    }
    if (!canStartPlain(c, next)) throw noTokenError(c);
    scalar(Style.Plain);
  }
}
