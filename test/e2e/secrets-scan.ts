/**
 * The secrets scan every end-to-end scenario ends with: after stratus ran
 * against a target root, no password, token or user-data may be readable by
 * a non-root user on the target, nor appear in any log or in what stratus
 * printed, and the files cloud-init keeps private must be 0600.
 *
 *   await assertNoSecretLeaks(root, runs, { cloud });   // one call after the runs of a scenario
 *
 * What counts as a secret comes from the scenario's own inputs (see
 * `scenarioSecrets`): the user-data and vendor-data the test wrote into the
 * root, the passwords and keys in their cloud-config, and what the test cloud
 * handed out (IMDS tokens, the CloudStack password, the user-data it served).
 * A test adds its own with `root.secrets.push(…)` or `opts.secrets`.
 *
 * A secret is looked for verbatim, base64-encoded (at each of the three byte
 * alignments, so it is found inside a larger base64 blob too, also across
 * MIME line breaks) and JSON-escaped (as JSON.stringify and as Python's
 * ensure_ascii json.dumps write it: instance-data and status files are JSON).
 */
import { AssertionError } from 'node:assert';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync, type Stats } from 'node:fs';
import { join, posix } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { pyJsonString } from '../../src/report/py-json.ts';
import { CACHE_FILE } from '../../src/stages/instance-cache.ts';
import { processUserData } from '../../src/userdata/index.ts';
import { isMapping, type Mapping } from '../../src/text/reader.ts';
import type { CloudSecrets } from './cloud/types.ts';

export interface Secret {
  /** What it is, for the violation listing ("user-data", "chpasswd.users[0].password", "IMDS token 2"). */
  what: string;
  value: string | Buffer;
}

/** What one stratus process printed. */
export interface CapturedOutput {
  label: string;
  text: string;
}

export type ViolationKind =
  /** A secret in a file a non-root user can read. */
  | 'world-readable'
  /** A secret in a log file (whatever its mode: logs are copied, attached to bug reports, shipped). */
  | 'log'
  /** A secret in what stratus printed (the console, the journal). */
  | 'output'
  /** A private file with another mode than it must have. */
  | 'mode';

export interface Violation {
  kind: ViolationKind;
  /** Target path ("/var/log/cloud-init.log"), or the output's label. */
  where: string;
  detail: string;
}

/**
 * Secrets shorter than this are refused: a 3-letter "password" turns up in
 * any file by chance, and a scan that reports noise gets switched off.
 */
export const MIN_SECRET_BYTES = 6;
/** base64 pieces shorter than this are not looked for, for the same reason. */
const MIN_FORM_BYTES = 8;

export interface ScanOptions {
  /** The target root on the host. */
  root: string;
  secrets: readonly Secret[];
  outputs?: readonly CapturedOutput[];
  /**
   * The scenario's own input files (target path → sha256 of the content the test wrote): while they
   * still hold that content they are the test's, not stratus's, and are not scanned for secrets.
   */
  inputs?: ReadonlyMap<string, string>;
  /** Target path prefixes whose content is not scanned (the test's own media). */
  ignore?: readonly string[];
}

/**
 * Not scanned for content: /dev under a test root holds the test's seed disk
 * images (on a real system block devices, root-only); /proc and /sys are
 * hand-made kernel facts.
 */
const NOT_SCANNED = ['/dev/', '/proc/', '/sys/'];

/**
 * Files that must be exactly 0600 in every instance dir
 * (/var/lib/cloud/instances/<id>/). cloud-init writes user-data.txt(.i),
 * vendor-data.txt(.i), vendor-data2.txt(.i), cloud-config.txt and the vendor
 * cloud-configs 0600 (they are user-data, raw or processed); stratus adds its
 * instance cache (the obj.pkl twin: it holds user-data and vendor-data) and
 * network-config.json (a v2 config's wifis and 802.1x settings hold passwords).
 */
export const PRIVATE_INSTANCE_FILES = [
  'user-data.txt',
  'user-data.txt.i',
  'vendor-data.txt',
  'vendor-data.txt.i',
  'vendor-data2.txt',
  'vendor-data2.txt.i',
  'cloud-config.txt',
  'vendor-cloud-config.txt',
  'vendor2-cloud-config.txt',
  CACHE_FILE,
  'network-config.json',
] as const;

/**
 * Under /run/cloud-init: instance-data-sensitive.json is the unredacted
 * instance data (user-data, vendor-data, the merged config with its
 * passwords); combined-cloud-config.json is that merged config. cloud-init
 * writes both 0600 (the redacted instance-data.json is the 0644 one).
 */
export const PRIVATE_RUN_FILES = ['/run/cloud-init/instance-data-sensitive.json', '/run/cloud-init/combined-cloud-config.json'] as const;

/**
 * Directories of an instance whose files are user-data parts (scripts,
 * boothooks, #include-once downloads): no access at all for group and others
 * (cloud-init writes scripts 0700; the url cache is 0600).
 */
export const PRIVATE_INSTANCE_DIRS = ['scripts', 'boothooks', 'data/urlcache'] as const;

const INSTANCES_DIR = '/var/lib/cloud/instances';

export function sha256(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

interface Form {
  name: string;
  bytes: Buffer;
  /** base64 forms are also looked for in the text with its line breaks removed (MIME wraps base64 at 76 columns). */
  unwrapped: boolean;
}

/** Every form a secret is looked for in. */
export function secretForms(value: string | Buffer): Form[] {
  const raw = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const forms: Form[] = [{ name: 'verbatim', bytes: raw, unwrapped: false }];
  const add = (name: string, text: string, unwrapped = false) => {
    const bytes = Buffer.from(text, 'utf8');
    if (bytes.length >= MIN_FORM_BYTES && !forms.some((f) => f.bytes.equals(bytes))) forms.push({ name, bytes, unwrapped });
  };
  // base64 of the secret at each alignment inside a larger blob: the groups of four characters that
  // hold only the secret's bytes (the first group also holds the bytes before it, the last the ones after).
  for (let k = 0; k < 3; k++) {
    const enc = Buffer.concat([Buffer.alloc(k), raw]).toString('base64');
    const start = k === 0 ? 0 : 4;
    const end = enc.length - ((k + raw.length) % 3 === 0 ? 0 : 4);
    if (end > start) add(k === 0 ? 'base64' : `base64 (offset ${k})`, enc.slice(start, end), true);
  }
  const text = raw.toString('utf8');
  // Only text can be JSON-escaped meaningfully; invalid UTF-8 would be escaped as U+FFFD.
  if (Buffer.from(text, 'utf8').equals(raw)) {
    add('JSON-escaped', JSON.stringify(text).slice(1, -1));
    add('JSON-escaped (ASCII)', pyJsonString(text).slice(1, -1));
  }
  return forms;
}

function findForm(content: Buffer, forms: readonly Form[]): Form | undefined {
  let unwrapped: Buffer | undefined;
  for (const f of forms) {
    if (content.includes(f.bytes)) return f;
    if (f.unwrapped) {
      unwrapped ??= Buffer.from(content.toString('latin1').replace(/[\r\n]/g, ''), 'latin1');
      if (unwrapped.includes(f.bytes)) return f;
    }
  }
  return undefined;
}

/** Where a target path is a log: anything under /var/log, and any *.log file (ds-identify.log in /run/cloud-init). */
export function isLogPath(path: string): boolean {
  return path.startsWith('/var/log/') || path.endsWith('.log');
}

/**
 * A symlink's target resolved as the kernel would inside a chroot at `root`:
 * absolute targets start at the root, ".." stops at it. Returns the target
 * path inside the root, or null when it cannot be resolved (a loop, too many
 * links) or is missing. Never reads outside the root.
 */
export function resolveInRoot(root: string, path: string): string | null {
  let pending = path.split('/').filter(Boolean);
  let done: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const candidate = [...done, part];
    let st: Stats;
    try {
      st = lstatSync(join(root, ...candidate));
    } catch {
      return null;
    }
    if (st.isSymbolicLink()) {
      if (++hops > 40) return null;
      const target = readlinkSync(join(root, ...candidate));
      pending = [...target.split('/').filter(Boolean), ...pending];
      if (target.startsWith('/')) done = [];
      continue;
    }
    done = candidate;
  }
  return `/${done.join('/')}`;
}

interface Entry {
  path: string;
  host: string;
  st: Stats;
  /** Every directory above it (below the root) lets others through (o+x). */
  reachable: boolean;
}

/**
 * Every entry under the root, symlinks not followed (their targets are
 * scanned where they are; a link never makes a file more readable than its
 * real path). The root itself counts as reachable: it stands for "/", which
 * is 0755 on a real system (the test's temp dir is 0700).
 */
function walk(root: string): Entry[] {
  const out: Entry[] = [];
  const visit = (dir: string, reachable: boolean) => {
    let names: string[];
    try {
      names = readdirSync(join(root, dir)).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const path = posix.join(dir, name);
      const host = join(root, path);
      let st: Stats;
      try {
        st = lstatSync(host);
      } catch {
        continue;
      }
      out.push({ path, host, st, reachable });
      // Not descended into: the kernel trees and the test's disk images (a test may mount a real sysfs there).
      if (st.isDirectory() && !NOT_SCANNED.includes(`${path}/`)) visit(path, reachable && (st.mode & 0o001) !== 0);
    }
  };
  visit('/', true);
  return out;
}

const octal = (mode: number) => `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;

/** The instance dirs present (real directories, not the `instance` link). */
function instanceDirs(root: string): string[] {
  try {
    return readdirSync(join(root, INSTANCES_DIR), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => `${INSTANCES_DIR}/${d.name}`);
  } catch {
    return [];
  }
}

/** Mode checks of the private files and directories. */
function checkModes(root: string, entries: readonly Entry[]): Violation[] {
  const out: Violation[] = [];
  const checkExact = (path: string, want: number) => {
    let st: Stats;
    try {
      st = lstatSync(join(root, path));
    } catch {
      return; // Not written in this scenario.
    }
    let real = path;
    if (st.isSymbolicLink()) {
      // Followed as the kernel would inside the root (never out of it); a dangling link holds nothing.
      const resolved = resolveInRoot(root, path);
      if (resolved === null) return;
      real = resolved;
      st = lstatSync(join(root, real));
    }
    if (!st.isFile()) return;
    if ((st.mode & 0o7777) !== want) out.push({ kind: 'mode', where: real === path ? path : `${path} (-> ${real})`, detail: `mode ${octal(st.mode)}, must be ${octal(want)}` });
  };
  for (const p of PRIVATE_RUN_FILES) checkExact(p, 0o600);
  const idirs = instanceDirs(root);
  for (const idir of idirs) for (const name of PRIVATE_INSTANCE_FILES) checkExact(`${idir}/${name}`, 0o600);
  for (const e of entries) {
    if (!e.st.isFile()) continue;
    const inPrivateDir = idirs.some((idir) => PRIVATE_INSTANCE_DIRS.some((d) => e.path.startsWith(`${idir}/${d}/`)));
    if (inPrivateDir && (e.st.mode & 0o077) !== 0) out.push({ kind: 'mode', where: e.path, detail: `mode ${octal(e.st.mode)}: user-data parts must give group and others nothing` });
  }
  return out;
}

/** Every violation in a scanned root and the captured outputs. */
export function scanSecrets(opts: ScanOptions): Violation[] {
  for (const s of opts.secrets) {
    const n = typeof s.value === 'string' ? Buffer.byteLength(s.value) : s.value.length;
    if (n < MIN_SECRET_BYTES) throw new Error(`secrets scan: the secret ${JSON.stringify(s.what)} is ${n} bytes; at least ${MIN_SECRET_BYTES} are needed to tell a leak from chance`);
  }
  const secrets = opts.secrets.map((s) => ({ what: s.what, forms: secretForms(s.value) }));
  const out: Violation[] = [];
  const entries = walk(opts.root);
  const skipped = [...NOT_SCANNED, ...(opts.ignore ?? [])];
  for (const e of entries) {
    // FIFOs and sockets are never opened (a read would hang); symlinks are scanned at their targets.
    if (!e.st.isFile()) continue;
    if (skipped.some((p) => e.path.startsWith(p.endsWith('/') ? p : `${p}/`) || e.path === p)) continue;
    const log = isLogPath(e.path);
    const readable = e.reachable && (e.st.mode & 0o004) !== 0;
    if ((!log && !readable) || secrets.length === 0) continue;
    const content = readFileSync(e.host);
    const input = opts.inputs?.get(e.path);
    if (input !== undefined && input === sha256(content)) continue;
    for (const s of secrets) {
      const f = findForm(content, s.forms);
      if (!f) continue;
      out.push(
        log
          ? { kind: 'log', where: e.path, detail: `${s.what} (${f.name}) in a log file (mode ${octal(e.st.mode)})` }
          : { kind: 'world-readable', where: e.path, detail: `${s.what} (${f.name}) in a file others can read (mode ${octal(e.st.mode)})` },
      );
    }
  }
  for (const o of opts.outputs ?? []) {
    const content = Buffer.from(o.text, 'utf8');
    for (const s of secrets) {
      const f = findForm(content, s.forms);
      if (f) out.push({ kind: 'output', where: o.label, detail: `${s.what} (${f.name}) in what stratus printed` });
    }
  }
  out.push(...checkModes(opts.root, entries));
  return out;
}

export function formatViolations(violations: readonly Violation[]): string {
  return violations.map((v) => `  [${v.kind}] ${v.where}: ${v.detail}`).join('\n');
}

// ---------------------------------------------------------------------------
// Where the secrets come from.

/**
 * A body worth protecting: not empty and more than a header and "{}" (a
 * seed's placeholder user-data is no secret, and its few bytes would match
 * by chance).
 */
export function isNonTrivialBody(body: string | Buffer): boolean {
  const text = (typeof body === 'string' ? body : body.toString('latin1')).replace(/^#cloud-config[^\n]*\n?/, '').trim();
  return text !== '' && text !== '{}' && Buffer.byteLength(text) >= MIN_SECRET_BYTES;
}

/** Values that name a way to set a password, not a password. */
const NOT_A_PASSWORD = new Set(['RANDOM', 'R', 'random']);

/** Keys whose string values are secrets wherever they appear in a cloud-config (or network config). */
const SECRET_KEY = /^(password|passwd|plain_text_passwd|hashed_passwd|token|registration_key|activation-key|activation_key|validation_key|private_key|psk|client-key-password|private-key-password)$|_private$/;

/** Every password, token and private key in a cloud-config (or a v2 network config), named by its path. */
export function cloudConfigSecrets(cfg: unknown, where = ''): Secret[] {
  const out: Secret[] = [];
  // A password of digits is a number to YAML, and a misplaced one may sit in a list or mapping: every scalar under the key counts.
  const add = (what: string, v: unknown) => {
    if (Array.isArray(v)) v.forEach((x, i) => add(`${what}[${i}]`, x));
    else if (isMapping(v)) for (const [k, x] of Object.entries(v)) add(`${what}.${k}`, x);
    else if (typeof v === 'number' && Number.isFinite(v)) add(what, String(v));
    else if (typeof v === 'string' && !NOT_A_PASSWORD.has(v) && Buffer.byteLength(v) >= MIN_SECRET_BYTES) out.push({ what, value: v });
  };
  const visit = (node: unknown, path: string) => {
    if (Array.isArray(node)) {
      node.forEach((v, i) => visit(v, `${path}[${i}]`));
      return;
    }
    if (!isMapping(node)) return;
    for (const [k, v] of Object.entries(node)) {
      const p = path ? `${path}.${k}` : k;
      if (SECRET_KEY.test(k)) add(p, v);
      // chpasswd.list: "user:password" lines (a string or a list); the part after the first colon is the password.
      else if ((k === 'list' && path.endsWith('chpasswd')) || (k === 'chpasswd' && !isMapping(v))) {
        const lines = typeof v === 'string' ? v.split('\n') : Array.isArray(v) ? v : [];
        lines.forEach((line, i) => {
          // A line without a colon may be a password on its own (a mistake a message must not repeat).
          if (typeof line === 'string') add(`${p}[${i}] password`, line.includes(':') ? line.slice(line.indexOf(':') + 1).trim() : line.trim());
        });
      } else visit(v, p);
    }
  };
  visit(cfg, where);
  return out;
}

/**
 * The secrets of one user-data (or vendor-data) blob: the blob itself, its
 * decompressed form, every script and boothook in it, and the passwords and
 * keys of its cloud-config (parsed by stratus's own user-data reader, so MIME,
 * gzip and base64 parts count; a template is rendered with empty instance data).
 */
export async function userDataSecrets(body: string | Buffer, what: string): Promise<Secret[]> {
  const raw = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const out: Secret[] = [];
  if (isNonTrivialBody(raw)) out.push({ what, value: raw });
  if (raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      const plain = gunzipSync(raw);
      if (isNonTrivialBody(plain)) out.push({ what: `${what} (gunzipped)`, value: plain });
    } catch {
      // Not gzip after all: the blob itself is the secret.
    }
  }
  const r = await processUserData(raw, 'user-data', { stage: 'local', instanceData: {} });
  for (const s of r.scripts) if (isNonTrivialBody(s.content)) out.push({ what: `${what} script ${s.name}`, value: s.content });
  for (const b of r.boothooks) if (isNonTrivialBody(b.content)) out.push({ what: `${what} boothook ${b.name}`, value: b.content });
  out.push(...cloudConfigSecrets(r.cloudConfig, what));
  return out;
}

/** Seed file names (NoCloud, ConfigDrive) that hold user-data or vendor-data. */
const USER_DATA_SEEDS = new Set(['user-data', 'vendor-data', 'vendor-data2', 'user_data']);
/** ConfigDrive's vendor data: JSON whose "cloud-init" value (or the whole document when it is a string) is the vendor-data. */
const VENDOR_JSON_SEEDS = new Set(['vendor_data.json', 'vendor_data2.json']);

/** The secrets in one seed file the test wrote (by its name); [] for other files. */
export async function seedFileSecrets(path: string, content: Buffer): Promise<Secret[]> {
  const name = posix.basename(path);
  if (name === 'network-config' || name === 'network_data.json') {
    // Wifi and 802.1x passwords of a v2 config; a file that does not parse has none to find.
    try {
      return cloudConfigSecrets(JSON.parse(content.toString('utf8')) as unknown, `${path}:`);
    } catch {
      const r = await processUserData(Buffer.concat([Buffer.from('#cloud-config\n'), content]), 'user-data', { stage: 'local', instanceData: {} });
      return cloudConfigSecrets(r.cloudConfig, `${path}:`);
    }
  }
  if (USER_DATA_SEEDS.has(name)) return userDataSecrets(content, path);
  if (VENDOR_JSON_SEEDS.has(name)) {
    let doc: unknown;
    try {
      doc = JSON.parse(content.toString('utf8'));
    } catch {
      return isNonTrivialBody(content) ? [{ what: path, value: content }] : [];
    }
    const inner = typeof doc === 'string' ? doc : isMapping(doc) ? (doc as Mapping)['cloud-init'] : undefined;
    return typeof inner === 'string' ? userDataSecrets(inner, `${path} cloud-init`) : [];
  }
  return [];
}

/** What a test cloud handed out, as its `secrets` op reports it (see cloud.ts). */
export type CloudSecretsReport = CloudSecrets;

export async function cloudReportSecrets(r: CloudSecretsReport): Promise<Secret[]> {
  const out: Secret[] = [];
  r.imdsTokens.forEach((t, i) => out.push({ what: `IMDS token ${i + 1}`, value: t }));
  r.vrPasswords.forEach((p, i) => {
    if (Buffer.byteLength(p) >= MIN_SECRET_BYTES) out.push({ what: `CloudStack password ${i + 1}`, value: p });
  });
  for (const [i, u] of r.userData.entries()) out.push(...(await userDataSecrets(u, `user-data served by the cloud (${i + 1})`)));
  return out;
}

/** The same secret found under several names is looked for once. */
export function uniqueSecrets(secrets: readonly Secret[]): Secret[] {
  const seen = new Set<string>();
  return secrets.filter((s) => {
    const key = sha256(s.value);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Thrown by assertNoSecretLeaks: the listing names every file, output and secret. */
export function leakError(violations: readonly Violation[], root: string): AssertionError {
  return new AssertionError({
    message: `secrets scan of ${root}: ${violations.length} violation(s)\n${formatViolations(violations)}`,
  });
}

// ---------------------------------------------------------------------------
// The one call after a scenario.

/** A file the test put into the root (TargetRoot.write records every one). */
export interface RootInput {
  sha256: string;
  /** Kept for small files only: the seeds secrets are read from. */
  content?: Buffer;
}

/** What the scan needs of a target root (harness.ts's TargetRoot is one). */
export interface ScenarioRoot {
  dir: string;
  /** Target path → what the test wrote there. */
  inputs: ReadonlyMap<string, RootInput>;
  /** Secrets the test adds to the ones found in its inputs. */
  secrets: Secret[];
}

/** stdout and stderr of one stratus process (CliResult, the test cloud's RunResult, a StageResult …). */
export interface RunOutput {
  stdout: string;
  stderr: string;
  stage?: string;
}

export interface LeakCheckOptions {
  /** The test cloud the scenario ran against: its tokens, passwords and served user-data are secrets too. */
  cloud?: { secrets(): Promise<CloudSecretsReport> };
  secrets?: readonly Secret[];
  /** Target path prefixes not scanned for content (the test's own world-readable inputs). */
  ignore?: readonly string[];
}

/** Inputs (target path → content) as a ScenarioRoot records them, for a root not made by targetRoot(). */
export function rootInputs(files: Readonly<Record<string, string | Buffer>>): Map<string, RootInput> {
  return new Map(
    Object.entries(files).map(([path, content]) => {
      const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
      return [path, { sha256: sha256(bytes), ...(bytes.length <= 1024 * 1024 ? { content: bytes } : {}) }];
    }),
  );
}

/** Every secret of a scenario: its seed files, its cloud, and the ones the test added. */
export async function scenarioSecrets(root: ScenarioRoot, opts: LeakCheckOptions = {}): Promise<Secret[]> {
  const out: Secret[] = [...root.secrets, ...(opts.secrets ?? [])];
  for (const [path, input] of root.inputs) if (input.content) out.push(...(await seedFileSecrets(path, input.content)));
  if (opts.cloud) out.push(...(await cloudReportSecrets(await opts.cloud.secrets())));
  return uniqueSecrets(out);
}

/**
 * For a boot whose root is gone when it ends (a sandbox of "/"): only what
 * stratus printed (and any text the test kept, such as status.json) is
 * scanned for the secrets.
 */
export function assertNoSecretsPrinted(outputs: readonly CapturedOutput[], secrets: readonly Secret[]): void {
  const forms = uniqueSecrets(secrets).map((s) => ({ what: s.what, forms: secretForms(s.value) }));
  const violations: Violation[] = [];
  for (const o of outputs) {
    for (const s of forms) {
      const f = findForm(Buffer.from(o.text, 'utf8'), s.forms);
      if (f) violations.push({ kind: 'output', where: o.label, detail: `${s.what} (${f.name}) in what stratus printed` });
    }
  }
  if (violations.length > 0) throw leakError(violations, '(outputs only)');
}

/**
 * Scan `root` and the runs' output; throws an AssertionError listing every
 * violation. Call it after the stratus runs of a scenario (boot() does).
 */
export async function assertNoSecretLeaks(root: ScenarioRoot, runs: readonly RunOutput[], opts: LeakCheckOptions = {}): Promise<void> {
  const secrets = await scenarioSecrets(root, opts);
  const inputs = new Map([...root.inputs].map(([p, i]) => [p, i.sha256]));
  const outputs = runs.flatMap((r, i) => {
    const label = r.stage ?? `run ${i + 1}`;
    return [
      { label: `${label} stdout`, text: r.stdout },
      { label: `${label} stderr`, text: r.stderr },
    ];
  });
  const violations = scanSecrets({ root: root.dir, secrets, outputs, inputs, ignore: opts.ignore });
  if (violations.length > 0) throw leakError(violations, root.dir);
}
