/**
 * The comparison rules of ../shared/conformance/README.md ("How to compare"),
 * one function per `compare` mode. Each returns undefined on a match or a
 * short explanation of the first difference.
 */
import { isDeepStrictEqual } from 'node:util';
import { loadYaml } from '../../../src/text/yaml.ts';

export type Files = Map<string, string>;

function firstLineDiff(expected: string, actual: string): string {
  const e = expected.split('\n');
  const a = actual.split('\n');
  for (let i = 0; i < Math.max(e.length, a.length); i++) {
    if (e[i] !== a[i]) return `line ${i + 1}: expected ${JSON.stringify(e[i])}, got ${JSON.stringify(a[i])}`;
  }
  return 'differs';
}

export function exact(expected: Files, actual: Files): string | undefined {
  for (const [path, want] of expected) {
    const got = actual.get(path);
    if (got === undefined) return `${path}: not rendered (rendered: ${[...actual.keys()].join(', ') || 'nothing'})`;
    if (got !== want) return `${path}: ${firstLineDiff(want, got)}`;
  }
  return undefined;
}

export function exactAllFiles(expected: Files, actual: Files): string | undefined {
  const e = [...expected.keys()].sort();
  const a = [...actual.keys()].sort();
  if (!isDeepStrictEqual(e, a)) return `file set differs: expected [${e.join(', ')}], got [${a.join(', ')}]`;
  return exact(expected, actual);
}

export function exactPerFileIfPresent(expected: Files, actual: Files): string | undefined {
  for (const [path, want] of expected) {
    const got = actual.get(path);
    if (got !== undefined && got !== want) return `${path}: ${firstLineDiff(want, got)}`;
  }
  return undefined;
}

/** POSIX shlex words with comments, then KEY=VALUE, empty values dropped, last key wins. */
export function loadShellContent(text: string): Map<string, string> | undefined {
  const words: string[] = [];
  let i = 0;
  let word: string | undefined;
  const end = () => {
    if (word !== undefined) words.push(word);
    word = undefined;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      end();
      i++;
    } else if (c === '#' && word === undefined) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === "'") {
      const j = text.indexOf("'", i + 1);
      if (j < 0) return undefined;
      word = (word ?? '') + text.slice(i + 1, j);
      i = j + 1;
    } else if (c === '"') {
      let j = i + 1;
      let s = '';
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\' && j + 1 < text.length && '\\"$`\n'.includes(text[j + 1]!)) {
          s += text[j + 1];
          j += 2;
        } else s += text[j++];
      }
      if (j >= text.length) return undefined;
      word = (word ?? '') + s;
      i = j + 1;
    } else if (c === '\\' && i + 1 < text.length) {
      word = (word ?? '') + text[i + 1];
      i += 2;
    } else {
      word = (word ?? '') + c;
      i++;
    }
  }
  end();
  const out = new Map<string, string>();
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq < 0) return undefined;
    const value = w.slice(eq + 1);
    if (value !== '') out.set(w.slice(0, eq), value);
  }
  return out;
}

const SYSCONFIG_HEADER = '# Created by cloud-init automatically, do not edit.\n#\n';

export function sysconfigShellKv(expected: Files, actual: Files, scriptsDir: string, rawFallback: boolean): string | undefined {
  const prefix = scriptsDir.replace(/^\//, '');
  const got = new Map([...actual].filter(([p]) => `/${p}`.startsWith(scriptsDir) || p.startsWith(prefix)));
  const e = [...expected.keys()].sort();
  const a = [...got.keys()].sort();
  if (!isDeepStrictEqual(e, a)) return `file set differs: expected [${e.join(', ')}], got [${a.join(', ')}]`;
  for (const [path, want] of expected) {
    const have = got.get(path)!;
    if (!have.startsWith(SYSCONFIG_HEADER)) return `${path}: missing the cloud-init header`;
    const we = loadShellContent(want);
    const wa = loadShellContent(have);
    if (we === undefined || wa === undefined) {
      if (!rawFallback) return `${path}: not shell assignments`;
      if (want !== have) return `${path}: ${firstLineDiff(want, have)}`;
      continue;
    }
    if (!isDeepStrictEqual(Object.fromEntries([...we].sort()), Object.fromEntries([...wa].sort()))) {
      const keys = new Set([...we.keys(), ...wa.keys()]);
      const diffs = [...keys].filter((k) => we.get(k) !== wa.get(k)).map((k) => `${k}: expected ${JSON.stringify(we.get(k))}, got ${JSON.stringify(wa.get(k))}`);
      return `${path}: ${diffs.slice(0, 4).join('; ')}`;
    }
  }
  return undefined;
}

/** configobj-style KEY=VALUE per line, comments ignored, surrounding quotes removed. */
function sysconf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.trim().split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    let v = line.slice(eq + 1).trim();
    if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) v = v.slice(1, -1);
    out[line.slice(0, eq).trim()] = v;
  }
  return out;
}

export function sysconfKv(expected: Files, actual: Files): string | undefined {
  for (const [path, want] of expected) {
    const got = actual.get(path);
    if (got === undefined) return `${path}: not rendered`;
    const we = sysconf(want);
    const wa = sysconf(got);
    if (!isDeepStrictEqual(we, wa)) return `${path}: expected ${JSON.stringify(we)}, got ${JSON.stringify(wa)}`;
  }
  return undefined;
}

export function yamlEqual(expectedParsed: Map<string, unknown>, actual: Files): string | undefined {
  for (const [path, want] of expectedParsed) {
    const got = actual.get(path);
    if (got === undefined) return `${path}: not rendered (rendered: ${[...actual.keys()].join(', ') || 'nothing'})`;
    const loaded = loadYaml(got, path);
    if (!loaded.doc) return `${path}: output is not YAML`;
    if (!isDeepStrictEqual(normalizeYaml(loaded.doc.value), normalizeYaml(want))) {
      return `${path}: expected ${JSON.stringify(want)}, got ${JSON.stringify(loaded.doc.value)}`;
    }
  }
  return undefined;
}

function normalizeYaml(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalizeYaml);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalizeYaml(x)]).sort(([a], [b]) => (String(a) < String(b) ? -1 : 1)));
  return v;
}

export function byLines(expected: Files, actual: Files, mode: 'lines' | 'nonempty' | 'lstrip' | 'strip'): string | undefined {
  for (const [path, want] of expected) {
    const got = actual.get(path);
    if (got === undefined) return `${path}: not rendered (rendered: ${[...actual.keys()].join(', ') || 'nothing'})`;
    let e = want;
    let a = got;
    if (mode === 'lines') {
      e = splitLines(want).join('\n');
      a = splitLines(got).join('\n');
    } else if (mode === 'nonempty') {
      e = splitLines(want).join('\n');
      a = splitLines(got).filter((l) => l !== '').join('\n');
    } else if (mode === 'lstrip') {
      e = want.trimStart();
      a = got.trimStart();
    } else {
      e = want.trim();
      a = got.trim();
    }
    if (e !== a) return `${path}: ${firstLineDiff(e, a)}`;
  }
  return undefined;
}

/** Python str.splitlines() for \n text: no trailing empty element. */
function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function networkdSections(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const m = /^\[(.+)\]$/.exec(line);
    if (m) {
      current = [];
      out.set(m[1]!, current);
    } else if (current) current.push(line);
  }
  return out;
}

export function networkdSectionsEqual(expected: Files, actual: Files): string | undefined {
  for (const [path, want] of expected) {
    const got = actual.get(path);
    if (got === undefined) return `${path}: not rendered (rendered: ${[...actual.keys()].join(', ') || 'nothing'})`;
    const e = networkdSections(want);
    const a = networkdSections(got);
    for (const [section, lines] of a) {
      const el = e.get(section);
      if (!el) return `${path}: unexpected section [${section}]`;
      if (!isDeepStrictEqual([...el].sort(), [...lines].sort())) {
        return `${path}: [${section}] expected ${JSON.stringify(el)}, got ${JSON.stringify(lines)}`;
      }
    }
  }
  return undefined;
}

/** Expected is the renderer's in-memory string; the file is that string with a trailing "\n\n" collapsed. */
export function networkdContentExact(expected: Files, actual: Files): string | undefined {
  const asFile = new Map([...expected].map(([p, t]) => [p, t.endsWith('\n\n') ? t.slice(0, -1) : t]));
  return exact(asFile, actual);
}

interface PartialCheck {
  section: string;
  key: string;
  read_as: string;
  expected: unknown;
}

function ini(text: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  let cur: Map<string, string> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const m = /^\[(.+)\]$/.exec(line);
    if (m) {
      cur = out.get(m[1]!) ?? new Map();
      out.set(m[1]!, cur);
      continue;
    }
    const eq = line.indexOf('=');
    if (cur && eq > 0) cur.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return out;
}

function configparserBool(v: string): boolean | undefined {
  const l = v.toLowerCase();
  if (['1', 'yes', 'true', 'on'].includes(l)) return true;
  if (['0', 'no', 'false', 'off'].includes(l)) return false;
  return undefined;
}

export function partialIni(partial: { file: string; checks: PartialCheck[] }, actual: Files): string | undefined {
  const got = actual.get(partial.file);
  if (got === undefined) return `${partial.file}: not rendered (rendered: ${[...actual.keys()].join(', ') || 'nothing'})`;
  const parsed = ini(got);
  for (const c of partial.checks) {
    const raw = parsed.get(c.section)?.get(c.key);
    let value: unknown = raw ?? null;
    if (raw !== undefined && c.read_as.startsWith('configparser getboolean')) {
      const b = configparserBool(raw);
      value = b === undefined ? (c.read_as.includes('raw string') ? raw : `<not a boolean: ${raw}>`) : b;
    }
    if (!isDeepStrictEqual(value, c.expected)) return `[${c.section}] ${c.key}: expected ${JSON.stringify(c.expected)}, got ${JSON.stringify(value)}`;
  }
  return undefined;
}
