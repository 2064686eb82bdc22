/**
 * The tokens the scanner hands to the parser: the token set of the YAML 1.1
 * grammar as PyYAML splits it, so that what PyYAML accepts and rejects
 * carries over token by token.
 */

export const enum Tok {
  StreamEnd,
  Directive,
  DocumentStart,
  DocumentEnd,
  BlockSequenceStart,
  BlockMappingStart,
  BlockEnd,
  FlowSequenceStart,
  FlowMappingStart,
  FlowSequenceEnd,
  FlowMappingEnd,
  BlockEntry,
  FlowEntry,
  Key,
  Value,
  Alias,
  Anchor,
  Tag,
  Scalar,
}

export const enum Style {
  Plain,
  SingleQuoted,
  DoubleQuoted,
  Literal,
  Folded,
}

export interface Token {
  readonly kind: Tok;
  /** Offset of the token's first character in the text. */
  readonly start: number;
  /**
   * Scalar: its value; alias and anchor: the name; tag: the suffix;
   * directive: the name ("YAML", "TAG" or another).
   */
  readonly value: string;
  readonly style: Style;
  /**
   * Tag: the handle ("!", "!!", "!x!"), or "" for a verbatim tag and for
   * "!" alone; YAML directive: the version; TAG directive: handle and
   * prefix separated by a space (neither can contain one).
   */
  readonly aux: string;
}

// Every token is made by these two, so all have one shape (which keeps
// property access in the parser monomorphic).

export function token(kind: Tok, start: number, value: string, style: Style, aux: string): Token {
  return { kind, start, value, style, aux };
}

/** A token without a value: an indicator, or a structure token such as BlockEnd. */
export function indicator(kind: Tok, start: number): Token {
  return { kind, start, value: '', style: Style.Plain, aux: '' };
}

/** How a token is named in messages. */
export function describeToken(t: Token): string {
  switch (t.kind) {
    case Tok.StreamEnd:
      return 'the end of the text';
    case Tok.Directive:
      return `the directive %${t.value}`;
    case Tok.DocumentStart:
      return 'a document start "---"';
    case Tok.DocumentEnd:
      return 'a document end "..."';
    case Tok.BlockSequenceStart:
      return 'a list item "-"';
    case Tok.BlockMappingStart:
      return 'a key';
    case Tok.BlockEnd:
      return 'less indentation';
    case Tok.FlowSequenceStart:
      return '"["';
    case Tok.FlowMappingStart:
      return '"{"';
    case Tok.FlowSequenceEnd:
      return '"]"';
    case Tok.FlowMappingEnd:
      return '"}"';
    case Tok.BlockEntry:
      return 'a list item "-"';
    case Tok.FlowEntry:
      return '","';
    case Tok.Key:
      return 'a key';
    case Tok.Value:
      return '":"';
    case Tok.Alias:
      return `the alias *${t.value}`;
    case Tok.Anchor:
      return `the anchor &${t.value}`;
    case Tok.Tag:
      return 'a tag';
    case Tok.Scalar:
      if (t.style === Style.Plain) return `the value ${JSON.stringify(t.value.length > 40 ? `${t.value.slice(0, 37)}...` : t.value)}`;
      return t.style === Style.Literal || t.style === Style.Folded ? 'a block scalar ("|" or ">")' : 'a quoted value';
  }
}
