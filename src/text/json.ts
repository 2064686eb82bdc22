/**
 * JSON from the outside world (metadata files, services) with located
 * errors that never quote the text: V8's messages can echo the input, and
 * the input may be a secret. JSON.parse does the work; only when it fails
 * does a small scanner find the line and column of the first problem.
 */
import { LineIndex } from './yaml/positions.ts';

export type JsonResult = { ok: true; value: unknown } | { ok: false; message: string };

/** Deeper nesting than this is refused (a real metadata document stays far below it). */
export const MAX_JSON_DEPTH = 64;

export function parseJson(text: string, source: string): JsonResult {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    const { offset, what } = firstProblem(text);
    const { line, column } = new LineIndex(text).position(offset);
    // A byte order mark sits before column 1.
    return { ok: false, message: `${source}:${line}:${Math.max(1, column)}: not valid JSON: ${what}` };
  }
  if (depthOf(value) > MAX_JSON_DEPTH) return { ok: false, message: `${source}: JSON nested deeper than ${MAX_JSON_DEPTH} levels` };
  return { ok: true, value };
}

function depthOf(v: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [node, d] = stack.pop() as [unknown, number];
    if (d > max) max = d;
    if (max > MAX_JSON_DEPTH) return max;
    if (node !== null && typeof node === 'object') for (const child of Object.values(node)) stack.push([child, d + 1]);
  }
  return max;
}

/** Where JSON.parse gave up, and a short description that does not quote the input. */
export function firstProblem(text: string): { offset: number; what: string } {
  let i = 0;
  const fail = (what: string): never => {
    throw Object.assign(new Error(what), { offset: i });
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail('unexpected character');
  };
  const string = () => {
    i++;
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail('control character in a string (write it as an escape)');
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('bad \\u escape');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail('bad escape in a string');
      } else i++;
    }
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '' || m[0] === '-') fail('unexpected character');
    i += (m as RegExpExecArray)[0].length;
  };
  /** An object's members or an array's elements: after the opening bracket, items separated by commas up to `close`. */
  const items = (close: string, item: () => void): void => {
    i++;
    ws();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      item();
      ws();
      if (text[i] === ',') i++;
      else if (text[i] === close) {
        i++;
        return;
      } else fail(`expected ',' or '${close}'`);
    }
  };
  const value = (depth: number): void => {
    if (depth > MAX_JSON_DEPTH) fail(`nested deeper than ${MAX_JSON_DEPTH} levels`);
    ws();
    const c = text[i];
    if (c === undefined) fail('unexpected end of the text');
    else if (c === '{')
      items('}', () => {
        ws();
        if (text[i] !== '"') fail('expected a key in double quotes');
        string();
        ws();
        if (text[i] !== ':') fail("expected ':' after a key");
        i++;
        value(depth + 1);
      });
    else if (c === '[') items(']', () => value(depth + 1));
    else if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else number();
  };
  try {
    if (text.charCodeAt(0) === 0xfeff) fail('a byte order mark is not allowed');
    value(0);
    ws();
    if (i < text.length) fail('more text after the JSON value');
  } catch (e) {
    return { offset: (e as { offset?: number }).offset ?? i, what: (e as Error).message };
  }
  // JSON.parse failed where the scanner did not: report the start.
  return { offset: 0, what: 'not accepted by the JSON parser' };
}
