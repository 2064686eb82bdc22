/**
 * User-data (and vendor-data) into what the stages use: one merged
 * cloud-config, scripts, boothooks. Formats: #cloud-config, #! scripts,
 * #include / #include-once, #cloud-boothook, #cloud-config-archive, MIME
 * multipart (nested, base64 and quoted-printable parts), gzip (the whole
 * data or a part) and `## template: jinja`. A broken part is a warning that
 * names the part (number, type, file name) and never its content; it never
 * stops a boot.
 *
 * The common case, a single #cloud-config, loads neither the MIME reader
 * nor the template engine: both are imported only when the data needs them.
 */
import { formatDiagnostic, type Diagnostic } from '../text/diagnostics.ts';
import { isMapping, type Mapping } from '../text/reader.ts';
import { loadYaml } from '../text/yaml.ts';
import { hideContent } from './hide-content.ts';
import { archiveParts } from './archive.ts';
import { Budget, gunzip } from './decode.ts';
import { fetchInclude, includeLines } from './include.ts';
import { DEFAULT_PART_MERGERS, mergeWith, parseMergeString, parseMergeValue, type MergerSpec } from './merge.ts';
import { renderProcessedMime, type ProcessedPart } from './processed.ts';
import { GZIP_TYPES, isGzip, SNIFFED_TYPES, sniffType } from './sniff.ts';
import type { Part, ProcessedUserData, ScriptFrequency, UserDataEnv, UserDataSource } from './types.ts';

export type { FetchResult, IncludeRecord, PartSummary, ProcessedUserData, UserDataEnv, UserDataScript, UserDataSource } from './types.ts';
export { renderCloudConfigFile } from './processed.ts';

/** Parts handled in one user-data, includes and archives counted (a bound against runaway includes). */
const MAX_PARTS = 1000;
/** #include inside included content inside ... this deep at most (includes can name each other). */
const MAX_INCLUDE_DEPTH = 8;

const FREQUENCY_TYPES: Record<string, ScriptFrequency> = {
  'text/x-shellscript-per-boot': 'per-boot',
  'text/x-shellscript-per-instance': 'per-instance',
  'text/x-shellscript-per-once': 'per-once',
};

const UNSUPPORTED: Record<string, string> = {
  'text/part-handler': 'Python part handlers are not supported by stratus',
};

class Processing {
  readonly out: ProcessedUserData = { cloudConfig: null, cloudConfigParts: [], scripts: [], boothooks: [], warnings: [], includes: [], parts: [], processed: Buffer.alloc(0) };
  readonly processedParts: ProcessedPart[] = [];
  private readonly budget = new Budget();
  private count = 0;
  private stopped = false;
  /** User-data that is one plain part: messages say "user-data line 3", as for any single file. */
  private single = false;

  constructor(
    private readonly source: UserDataSource,
    private readonly env: UserDataEnv,
  ) {}

  warn(message: string): void {
    this.out.warnings.push(message);
  }

  /** Raw data: gunzipped if gzip, read as MIME if it says so, else one part. */
  async expand(data: Buffer, via: string | null, depth: number): Promise<void> {
    let bytes = data;
    if (isGzip(bytes)) {
      try {
        bytes = gunzip(bytes, this.budget);
      } catch (e) {
        this.warn(`${this.source}${via ? ` (${via})` : ''}: ${(e as Error).message}`);
        return;
      }
    }
    // Data that starts with a user-data marker (#cloud-config, #!, ...) is never read as MIME, even if a
    // "MIME-Version:" appears in its first 4 KiB (in a write_files content, say), where cloud-init would.
    if (sniffType(bytes) === null && /mime-version:/i.test(bytes.subarray(0, 4096).toString('latin1'))) {
      const { parseMime } = await import('./mime.ts');
      const mime = parseMime(bytes, `${this.source}${via ? ` (${via})` : ''} MIME message`);
      for (const w of mime.warnings) this.warn(w);
      for (const p of mime.parts) await this.handle({ ...p, via }, depth);
      return;
    }
    if (depth === 0 && via === null) this.single = true;
    await this.handle({ type: 'text/x-not-multipart', filename: null, mergeType: null, payload: bytes, via }, depth);
  }

  private label(index: number, type: string, part: Part): string {
    if (this.single && index === 1) return this.source;
    // Lines of a rendered template are lines of its output, not of the user-data: say so.
    const rendered = part.via === 'jinja' ? ', rendered from a jinja template' : '';
    return `${this.source} part ${index} (${printable(type)}${part.filename ? `, file ${JSON.stringify(part.filename)}` : ''}${rendered})`;
  }

  async handle(part: Part, depth: number): Promise<void> {
    if (this.stopped) return;
    if (this.count >= MAX_PARTS) {
      this.stopped = true;
      this.warn(`${this.source}: more than ${MAX_PARTS} parts; the rest is ignored`);
      return;
    }
    const index = ++this.count;
    let { type, payload } = part;
    const summary = { index, type, filename: part.filename, bytes: payload.length, outcome: 'ignored' };
    this.out.parts.push(summary);
    if (GZIP_TYPES.has(type) || (isGzip(payload) && !type.startsWith('application/octet'))) {
      try {
        payload = gunzip(payload, this.budget);
      } catch (e) {
        this.warn(`${this.label(index, type, part)}: ${(e as Error).message}`);
        return;
      }
      type = sniffType(payload) ?? 'text/plain';
    } else if (SNIFFED_TYPES.has(type)) {
      type = sniffType(payload) ?? type;
    }
    summary.type = type;
    const where = this.label(index, type, part);
    const name = partName(part.filename, index);
    const frequency = FREQUENCY_TYPES[type];
    switch (type) {
      case 'text/cloud-config':
        summary.outcome = this.cloudConfig(payload, part.mergeType, where, name) ? 'cloud-config' : 'ignored';
        break;
      case 'text/cloud-config-jsonp':
        summary.outcome = (await this.jsonPatch(payload, where, name)) ? 'cloud-config' : 'ignored';
        break;
      case 'text/x-shellscript':
        this.addScript({ name, content: unix(payload) }, type);
        summary.outcome = 'script';
        break;
      case 'text/cloud-boothook':
        this.out.boothooks.push({ name, content: unix(withoutFirstLine(payload)) });
        this.processedParts.push({ type, name, payload });
        summary.outcome = 'boothook';
        break;
      case 'text/x-include-url':
      case 'text/x-include-once-url':
        summary.outcome = 'include';
        await this.include(payload, where, depth);
        break;
      case 'text/cloud-config-archive': {
        summary.outcome = 'archive';
        const { parts, warnings } = archiveParts(payload.toString('utf8'), where);
        for (const w of warnings) this.warn(w);
        for (const p of parts) await this.handle(p, depth);
        break;
      }
      case 'text/jinja2':
        summary.outcome = 'template';
        await this.template(payload, part, where, depth);
        break;
      default:
        if (frequency) {
          this.addScript({ name, content: unix(payload), frequency }, type);
          summary.outcome = `script (${frequency})`;
        } else {
          this.warn(`${where}: ${UNSUPPORTED[type] ?? `no handler for content of type ${printable(type)} (it starts with none of #cloud-config, #!, #include, #cloud-boothook, #cloud-config-archive, ## template: jinja)`}; ignored`);
        }
    }
  }

  private addScript(s: { name: string; content: Buffer; frequency?: ScriptFrequency }, type: string): void {
    // A later part of the same name replaces the earlier one, as the later file write does in cloud-init.
    const same = this.out.scripts.findIndex((x) => x.name === s.name && x.frequency === s.frequency);
    if (same >= 0) this.out.scripts.splice(same, 1);
    this.out.scripts.push(s);
    this.processedParts.push({ type, name: s.name, payload: s.content });
  }

  private cloudConfig(payload: Buffer, mergeHeader: string | null, where: string, name: string): boolean {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
    } catch {
      this.warn(`${where}: not UTF-8 text; ignored`);
      return false;
    }
    const loaded = loadYaml(text, where);
    const ignored = where === this.source ? ' (the cloud-config is ignored)' : ' (this part is ignored)';
    for (const d of loaded.diagnostics) this.warn(`${hideContent(located(d), text)}${d.severity === 'error' ? ignored : ''}`);
    if (!loaded.doc) return false;
    const doc = loaded.doc.value;
    if (doc === null || doc === undefined) return false;
    if (!isMapping(doc)) {
      this.warn(`${where}: a cloud-config must be a mapping of module keys (such as "hostname: web1"); ignored`);
      return false;
    }
    const { merge_how: how, merge_type: type, ...rest } = doc;
    const inDoc = how ?? type;
    let specs: MergerSpec[];
    try {
      specs = [...(inDoc === undefined || inDoc === null ? [] : parseMergeValue(inDoc)), ...(mergeHeader ? parseMergeString(mergeHeader) : [])];
    } catch (e) {
      const at = loaded.doc.locate([how !== undefined ? 'merge_how' : 'merge_type']);
      this.warn(`${where}${at ? ` line ${at.line}` : ''}: ${(e as Error).message}; this part is ignored`);
      return false;
    }
    if (specs.length === 0) specs = parseMergeString(DEFAULT_PART_MERGERS);
    const merged = mergeWith(specs, this.out.cloudConfig ?? {}, rest);
    if (merged.unknown.length) {
      this.warn(`${where}: unknown merger ${merged.unknown.map((u) => JSON.stringify(u)).join(', ')} (dict, list and str exist); this part is ignored`);
      return false;
    }
    this.out.cloudConfig = merged.value as Mapping;
    this.out.cloudConfigParts.push(name);
    this.processedParts.push({ type: 'text/cloud-config', name, payload });
    return true;
  }

  /** A `#cloud-config-jsonp` part: an RFC 6902 patch of the cloud-config merged so far. */
  private async jsonPatch(payload: Buffer, where: string, name: string): Promise<boolean> {
    const { applyJsonPatch } = await import('./json-patch.ts');
    const text = payload.toString('utf8').trimStart().replace(/^#cloud-config-jsonp/i, '');
    let result: unknown;
    try {
      result = applyJsonPatch(this.out.cloudConfig ?? {}, JSON.parse(text) as unknown);
    } catch (e) {
      // JSON.parse messages can quote the text: name only what failed.
      const msg = e instanceof SyntaxError ? 'not valid JSON' : (e as Error).message;
      this.warn(`${where}: ${msg}; this part is ignored`);
      return false;
    }
    if (!isMapping(result)) {
      this.warn(`${where}: the patched cloud-config is not a mapping; this part is ignored`);
      return false;
    }
    this.out.cloudConfig = result;
    this.out.cloudConfigParts.push(name);
    this.processedParts.push({ type: 'text/cloud-config-jsonp', name, payload });
    return true;
  }

  private async include(payload: Buffer, where: string, depth: number): Promise<void> {
    if (depth >= MAX_INCLUDE_DEPTH) {
      this.warn(`${where}: includes nested more than ${MAX_INCLUDE_DEPTH} deep (do included files include each other?); not followed`);
      return;
    }
    for (const line of includeLines(payload.toString('utf8'))) {
      const got = await fetchInclude(line, this.env);
      this.out.includes.push(got.record);
      if ('problem' in got) {
        this.warn(`${where}: ${got.problem}`);
        continue;
      }
      await this.expand(got.body, `${line.once ? '#include-once' : '#include'} ${got.record.url}`, depth + 1);
    }
  }

  private async template(payload: Buffer, part: Part, where: string, depth: number): Promise<void> {
    const text = payload.toString('utf8');
    // The template starts on the line after "## template: jinja" (which may follow blank lines).
    const headerEnd = text.indexOf('\n', Math.max(0, text.search(/##\s*template/i)));
    const body = headerEnd < 0 ? '' : text.slice(headerEnd + 1);
    const linesBefore = headerEnd < 0 ? 1 : text.slice(0, headerEnd + 1).split('\n').length - 1;
    const { renderJinja, JinjaError } = await import('./jinja/index.ts');
    let output: string;
    try {
      const data = typeof this.env.instanceData === 'function' ? this.env.instanceData() : this.env.instanceData;
      const r = renderJinja(body, data);
      output = r.output;
      if (r.missing.length) this.warn(`${where}: the template uses variables the instance data does not have (rendered as CI_MISSING_JINJA_VAR/<name>): ${r.missing.join(', ')}`);
    } catch (e) {
      if (!(e instanceof JinjaError)) throw e;
      this.warn(`${where} line ${e.line + linesBefore}: jinja template ${e.kind === 'syntax' ? 'syntax ' : ''}error: ${e.message}; this part is ignored`);
      return;
    }
    const rendered = Buffer.from(output, 'utf8');
    const type = sniffType(rendered);
    if (type !== 'text/cloud-config' && type !== 'text/x-shellscript' && type !== 'text/cloud-boothook') {
      this.warn(`${where}: the rendered template is not a #cloud-config, #! script or #cloud-boothook; ignored`);
      return;
    }
    await this.handle({ type, filename: part.filename, mergeType: part.mergeType, payload: rendered, via: 'jinja' }, depth);
  }
}

/** A YAML diagnostic with its column too: in a long line the line alone does not find the mistake. */
function located(d: Diagnostic): string {
  const text = formatDiagnostic(d);
  if (d.line === undefined || d.column === undefined) return text;
  const where = `${d.source} line ${d.line}`;
  return text.startsWith(where) ? `${where} column ${d.column}${text.slice(where.length)}` : text;
}

/** A MIME type as it goes into a message: control characters from a hostile header escaped, so the log stays one line of text. */
function printable(type: string): string {
  return type.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A file name for a part that cannot leave its directory: the part's own name, made safe, or part-NNN. */
function partName(filename: string | null, index: number): string {
  const base = (filename ?? '').split(/[/\\]/).pop() ?? '';
  const safe = base.replace(/[^A-Za-z0-9._+@-]/g, '_');
  return safe === '' || safe === '.' || safe === '..' ? `part-${String(index).padStart(3, '0')}` : safe;
}

function unix(b: Buffer): Buffer {
  return b.includes('\r\n') ? Buffer.from(b.toString('latin1').replace(/\r\n/g, '\n'), 'latin1') : b;
}

function withoutFirstLine(b: Buffer): Buffer {
  const nl = b.indexOf(0x0a);
  return nl < 0 ? Buffer.alloc(0) : b.subarray(nl + 1);
}

/** One user-data, vendor-data or vendor-data2 blob processed. Never throws for bad input. */
export async function processUserData(data: Buffer | null, source: UserDataSource, env: UserDataEnv): Promise<ProcessedUserData> {
  const p = new Processing(source, env);
  if (data === null || data.length === 0) return p.out;
  await p.expand(data, null, 0);
  p.out.processed = renderProcessedMime(p.processedParts);
  return p.out;
}

/** One line for the log: what each part became, without content. */
export function partsSummary(source: UserDataSource, r: ProcessedUserData): string {
  if (r.parts.length === 0) return `${source}: empty`;
  const parts = r.parts.map((p) => `${p.index}:${p.type}${p.filename ? `(${JSON.stringify(p.filename)})` : ''}→${p.outcome}`);
  return `${source}: ${r.parts.length} part(s) [${parts.join(', ')}]; ${r.cloudConfigParts.length} cloud-config, ${r.scripts.length} script(s), ${r.boothooks.length} boothook(s), ${r.includes.length} include(s), ${r.warnings.length} warning(s)`;
}
