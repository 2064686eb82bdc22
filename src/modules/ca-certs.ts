/**
 * ca_certs (once per instance): adds the PEM certificates of
 * `ca_certs.trusted` to the system trust store (one file each, in the
 * distro's local anchors dir) and runs the distro's update tool;
 * `remove_defaults: true` first distrusts the certificates the OS ships.
 * Anything that is not a clean list of CERTIFICATE blocks is refused: a
 * private key pasted by mistake must not land in a world-readable store.
 */
import { runCommand } from '../host/exec.ts';
import { distroFamily, KNOWN_DISTROS } from '../net/render/distro.ts';
import { applyFiles } from '../stages/apply.ts';
import type { StageContext } from '../stages/context.ts';
import { commandOptions } from '../stages/context.ts';
import { isMapping } from '../text/reader.ts';
import { ModuleError, type ConfigModule } from './types.ts';

interface Store {
  /** Where our certificates go. */
  dir: string;
  update: string[];
  /** The OS's certificate selection file (Debian, Alpine): remove_defaults deselects its lines. */
  config?: string;
  /** Where the OS's shipped certificates are (distros without a selection file): remove_defaults empties them. */
  systemDirs?: string[];
  debconf?: boolean;
}

const STORES: Record<'debian' | 'alpine' | 'redhat' | 'suse', Store> = {
  debian: { dir: '/usr/local/share/ca-certificates', update: ['update-ca-certificates'], config: '/etc/ca-certificates.conf', debconf: true },
  alpine: { dir: '/usr/local/share/ca-certificates', update: ['update-ca-certificates'], config: '/etc/ca-certificates.conf' },
  redhat: { dir: '/etc/pki/ca-trust/source/anchors', update: ['update-ca-trust'], systemDirs: ['/usr/share/pki/ca-trust-source', '/etc/pki/ca-trust/source'] },
  suse: { dir: '/etc/pki/trust/anchors', update: ['update-ca-certificates'], systemDirs: ['/usr/share/pki/trust', '/etc/pki/trust'] },
};

function storeFor(distro: string): Store | undefined {
  const f = distroFamily(distro);
  return f === 'debian' || f === 'alpine' || f === 'redhat' || f === 'suse' ? STORES[f] : undefined;
}

const OUR_FILE = /^cloud-init-ca-certs?(-\d+)?\.crt$/;
const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \1-----/g;

/** The certificate blocks of a PEM text, normalised; a string says why it is refused. */
export function pemCertificates(text: string): string | string[] {
  const certs: string[] = [];
  const other = text.replace(BLOCK, (_all, label: string, body: string) => {
    if (label !== 'CERTIFICATE') {
      certs.push(`\0${label}`);
      return '';
    }
    const b64 = body.replace(/\s/g, '');
    const der = /^[A-Za-z0-9+/]+={0,2}$/.test(b64) && b64.length % 4 === 0 ? Buffer.from(b64, 'base64') : null;
    // Every X.509 certificate is a DER SEQUENCE with a long-form length.
    if (der === null || der.length < 64 || der[0] !== 0x30) certs.push('\0');
    else certs.push(`-----BEGIN CERTIFICATE-----\n${(b64.match(/.{1,64}/g) ?? []).join('\n')}\n-----END CERTIFICATE-----\n`);
    return '';
  });
  const foreign = certs.find((c) => c.startsWith('\0') && c.length > 1);
  if (foreign) return `holds a ${foreign.slice(1)} block, not only certificates`;
  if (certs.includes('\0')) return 'has a CERTIFICATE block that is not valid base64 DER';
  if (certs.length === 0) return 'has no -----BEGIN CERTIFICATE----- block';
  if (/-----(BEGIN|END) /.test(other)) return 'has an unmatched BEGIN/END line';
  return certs;
}

/** The selection file with every active certificate line turned into a "!" (deselected) line. */
export function deselectAll(text: string): string {
  const note = '# Certificates deselected by stratus: the cloud-config asks for ca_certs.remove_defaults';
  const lines = text.replace(/\n$/, '').split('\n');
  let noted = lines.includes(note);
  const out: string[] = [];
  for (const line of lines) {
    if (line === '' || line.startsWith('#') || line.startsWith('!')) {
      out.push(line);
      continue;
    }
    if (!noted) {
      out.push(note);
      noted = true;
    }
    out.push(`!${line}`);
  }
  return `${out.join('\n')}\n`;
}

function removeDefaults(ctx: StageContext, store: Store): void {
  if (store.config) {
    const text = ctx.fs.readText(store.config);
    if (text !== null && text.trim() !== '') {
      const next = deselectAll(text);
      if (next !== text) ctx.fs.writeFiles([{ path: store.config, content: next, mode: 0o644 }]);
      ctx.log.info(`ca_certs: the OS's certificates are deselected in ${store.config}`);
    }
  }
  for (const dir of store.systemDirs ?? []) {
    for (const name of ctx.fs.list(dir)) if (ctx.fs.remove(`${dir}/${name}`)) ctx.log.debug(`ca_certs: removed ${dir}/${name}`);
    ctx.log.info(`ca_certs: emptied ${dir}`);
  }
  if (store.debconf) {
    // So that a later ca-certificates upgrade does not trust new certificates again.
    const r = runCommand(['debconf-set-selections'], commandOptions(ctx, 60_000, { input: 'ca-certificates ca-certificates/trust_new_crts select no\n' }));
    if (r.ran && r.code !== 0) ctx.log.warn(`ca_certs: debconf-set-selections failed (exit ${r.code ?? 'signal'})`);
  }
}

function flag(ctx: StageContext, cfg: Record<string, unknown>, key: string, old: string): boolean {
  if (Object.hasOwn(cfg, old)) ctx.log.deprecated(`ca_certs.${old} is deprecated; use ${key}`);
  const v = cfg[key] ?? cfg[old];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') {
    ctx.log.warn(`ca_certs.${key} must be true or false, not ${JSON.stringify(v)}; taken as false`);
    return false;
  }
  return v;
}

export const caCerts: ConfigModule = {
  name: 'ca_certs',
  frequency: 'once-per-instance',
  activateBy: ['ca_certs', 'ca-certs'],
  distros: KNOWN_DISTROS.filter((d) => storeFor(d) !== undefined),
  schema: {
    $defs: {
      ca_certs: {
        type: 'object',
        additionalProperties: false,
        properties: {
          remove_defaults: { type: 'boolean', default: false, description: "Distrust the certificates the OS ships." },
          'remove-defaults': { type: 'boolean', deprecated: true, deprecated_version: '22.3', deprecated_description: 'Use remove_defaults.' },
          trusted: { type: 'array', minItems: 1, items: { type: 'string' }, description: 'PEM certificates to trust.' },
        },
      },
    },
    properties: {
      ca_certs: { $ref: '#/$defs/ca_certs' },
      'ca-certs': { $ref: '#/$defs/ca_certs', deprecated: true, deprecated_version: '22.3', deprecated_description: 'Use ca_certs.' },
    },
  },
  run(m) {
    const { ctx } = m;
    const store = storeFor(m.distro);
    if (!store) {
      ctx.log.warn(`ca_certs: no trust store known for the distro ${m.distro}; nothing done`);
      return;
    }
    if (Object.hasOwn(m.cfg, 'ca-certs')) ctx.log.deprecated('the ca-certs key is deprecated; use ca_certs');
    const cfg = m.cfg['ca_certs'] ?? m.cfg['ca-certs'];
    if (!isMapping(cfg)) {
      if (cfg !== null && cfg !== undefined) ctx.log.warn('ca_certs must be a mapping with trusted and remove_defaults; nothing done');
      return;
    }
    const remove = flag(ctx, cfg, 'remove_defaults', 'remove-defaults');
    const trusted = cfg['trusted'] ?? [];
    const certs: string[] = [];
    if (!Array.isArray(trusted)) ctx.log.warn('ca_certs.trusted must be a list of PEM certificates; none added');
    else {
      trusted.forEach((item: unknown, i) => {
        // Never the text itself in a message: it is the user's data.
        const got = typeof item === 'string' ? pemCertificates(item) : 'is not a string';
        if (typeof got === 'string') ctx.log.warn(`ca_certs.trusted[${i}]: ${got}; skipped`);
        else certs.push(got.join(''));
      });
    }
    if (!remove && certs.length === 0) return;
    if (remove) removeDefaults(ctx, store);
    const files = certs.map((content, i) => ({ path: `${store.dir}/cloud-init-ca-cert-${i + 1}.crt`, content, mode: 0o644 }));
    const keep = new Set(files.map((f) => f.path));
    for (const name of ctx.fs.list(store.dir)) {
      const path = `${store.dir}/${name}`;
      if (OUR_FILE.test(name) && !keep.has(path) && ctx.fs.remove(path)) ctx.log.info(`ca_certs: removed ${path} (an earlier instance's certificate)`);
    }
    if (files.length > 0) {
      applyFiles(ctx, files, { category: 'system' });
      ctx.log.info(`ca_certs: ${files.length} certificate file(s) written to ${store.dir}`);
    }
    const r = runCommand(store.update, commandOptions(ctx, 300_000));
    if (!r.ran) ctx.log.info(`ca_certs: ${store.update.join(' ')} not run (${r.why})`);
    else if (r.code !== 0) throw new ModuleError(`${store.update.join(' ')} failed with exit code ${r.code ?? 'none (killed by a signal)'}`);
  },
};
