/**
 * The one exception the loader's stages throw: a user-facing message and the
 * offset it is about. loadYaml turns it into a located diagnostic; nothing
 * else ever escapes to the user as a stack trace.
 */
export class YamlError extends Error {
  constructor(
    message: string,
    /** Offset in the text; undefined for problems of the document as a whole. */
    readonly offset: number | undefined,
  ) {
    super(message);
    this.name = 'YamlError';
  }
}

/** A character as messages show it: printable ones quoted, others as U+XXXX. */
export function showChar(code: number): string {
  if (code === 0) return 'the end of the text';
  if (code === 9) return 'a tab';
  if (code === 10 || code === 13 || code === 0x85 || code === 0x2028 || code === 0x2029) return 'a line break';
  if (code === 32) return 'a space';
  if (code < 32 || (code >= 0x7f && code < 0xa0)) return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return JSON.stringify(String.fromCharCode(code));
}
