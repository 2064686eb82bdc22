/**
 * The OpenStack metadata tree, read the same way from a config drive and
 * from the metadata service: openstack/<version>/{meta_data.json, user_data,
 * vendor_data.json, vendor_data2.json, network_data.json}, the files that
 * meta_data.json points into openstack/content/, and the EC2-style
 * ec2/latest/meta-data.json of a drive. Where the bytes come from is the
 * reader's business (drive.ts, service.ts); this file decides what they mean.
 *
 * Every problem names the file: a required file that is missing or broken
 * is a DatasourceError (the datasource is not used); an optional one that is
 * broken is a warning and is left out.
 */
import type { Log } from '../../host/log.ts';
import { parseJson } from '../../text/json.ts';
import { isMapping, type Mapping } from '../../text/reader.ts';
import { DatasourceError, type DsMode, type InjectedFile, type NetworkConfigInput } from '../types.ts';
import { versionsToTry } from './versions.ts';

/** Where the tree is read from. Paths are relative to the drive's root or the service's base URL. */
export interface TreeReader {
  /** For messages and subplatform: "/dev/sr0", "/var/lib/cloud/seed/config_drive", "http://169.254.169.254". */
  where: string;
  /** Names in a directory ("openstack"); null when it is not there. */
  list(dir: string): Promise<string[] | null>;
  /** A file; null when it is not there. Throws (DatasourceError) when it cannot be read. */
  read(path: string): Promise<Buffer | null>;
}

export interface OpenStackTree {
  /** "2018-08-27", …, or "latest". */
  version: string;
  instanceId: string;
  /** meta_data.json, with cloud-init's copies: instance-id (uuid), local-hostname (hostname). */
  metaData: Mapping;
  userData: Buffer | null;
  vendorData: Buffer | null;
  vendorData2: Buffer | null;
  /** network_data.json, or the legacy ENI file meta_data.json names; null when neither is there. */
  networkConfig: NetworkConfigInput | null;
  /** network_data.json as JSON (instance-data's ds.network_json). */
  networkJson: unknown;
  /** ec2/latest/meta-data.json of a drive. */
  ec2MetaData: Mapping | null;
  /** Files to put on the instance when it is new (meta_data.json `files`). */
  files: InjectedFile[];
  /** meta_data.json `meta.dsmode`. */
  dsmode: DsMode | 'pass' | null;
}

/** More injected files than this is not a real instance (nova's default quota is 5). */
export const MAX_INJECTED_FILES = 100;

/** A relative path inside the tree with nothing that could step out of it. */
export function safeTreePath(p: string): string | null {
  const rel = p.replace(/^\/+/, '');
  if (rel === '' || /[\0\n\r\\]/.test(p)) return null;
  const parts = rel.split('/');
  return parts.every((x) => x !== '' && x !== '.' && x !== '..') ? rel : null;
}

/** An absolute target path for an injected file; null when it could leave the target or is not a file path. */
export function safeTargetPath(p: string): string | null {
  if (!p.startsWith('/') || /[\0\n\r]/.test(p) || p.endsWith('/')) return null;
  const parts = p.slice(1).split('/');
  return parts.every((x) => x !== '' && x !== '.' && x !== '..') ? p : null;
}

async function readJson(reader: TreeReader, path: string, required: boolean, log: Log): Promise<unknown> {
  const data = await reader.read(path);
  const where = `${reader.where}: ${path}`;
  if (data === null) {
    if (required) throw new DatasourceError(`${where} is missing`);
    return undefined;
  }
  const parsed = parseJson(data.toString('utf8'), where);
  if (!parsed.ok) {
    if (required) throw new DatasourceError(parsed.message);
    log.warn(`${parsed.message}; the file is ignored`);
    return undefined;
  }
  return parsed.value;
}

/**
 * vendor_data.json → the vendor-data to process: a string as it is; an
 * object's `cloud-init` member (once); anything else is none. (Dynamic
 * vendor data, vendor_data2.json, holds one object per provider and rarely
 * has a `cloud-init` member.)
 */
export function vendorDataOf(value: unknown, where: string, log: Log): Buffer | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value === '' ? null : Buffer.from(value, 'utf8');
  if (isMapping(value)) {
    const inner = value['cloud-init'];
    if (inner === undefined || inner === null) return null;
    if (typeof inner === 'string') return inner === '' ? null : Buffer.from(inner, 'utf8');
    log.warn(`${where}: "cloud-init" must be a string (user-data text); it is ignored`);
    return null;
  }
  log.warn(`${where}: vendor data must be a string or an object with a "cloud-init" string; it is ignored`);
  return null;
}

function dsmodeOf(md: Mapping, where: string, log: Log): OpenStackTree['dsmode'] {
  const meta = md['meta'];
  const v = isMapping(meta) ? meta['dsmode'] : undefined;
  if (v === undefined) return null;
  if (v === 'local' || v === 'net' || v === 'disabled' || v === 'pass') return v;
  log.warn(`${where}: meta.dsmode ${JSON.stringify(v)} is not local, net, pass or disabled; ignored`);
  return null;
}

/** The base64 random_seed, checked; dropped with a warning when it is not base64. */
function checkRandomSeed(md: Mapping, where: string, log: Log): void {
  const seed = md['random_seed'];
  if (seed === undefined) return;
  if (typeof seed === 'string' && /^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(seed)) return;
  log.warn(`${where}: random_seed is not base64 text; it is not used`);
  delete md['random_seed'];
}

async function injectedFiles(reader: TreeReader, md: Mapping, where: string, log: Log): Promise<InjectedFile[]> {
  const list = md['files'];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) {
    log.error(`${where}: files must be a list; no file is injected`);
    return [];
  }
  if (list.length > MAX_INJECTED_FILES) {
    log.error(`${where}: files lists ${list.length} files, more than ${MAX_INJECTED_FILES}; no file is injected`);
    return [];
  }
  const out: InjectedFile[] = [];
  for (const [i, item] of list.entries()) {
    const at = `${where}: files[${i}]`;
    if (!isMapping(item) || typeof item['path'] !== 'string' || typeof item['content_path'] !== 'string') {
      log.error(`${at} needs the strings path and content_path; skipped`);
      continue;
    }
    const target = safeTargetPath(item['path']);
    if (target === null) {
      log.error(`${at}: path ${JSON.stringify(item['path'])} is not an absolute file path without "." or ".." parts; skipped (nothing is written outside its place)`);
      continue;
    }
    const source = safeTreePath(item['content_path']);
    if (source === null) {
      log.error(`${at}: content_path ${JSON.stringify(item['content_path'])} would leave the openstack/ directory; skipped`);
      continue;
    }
    const content = await reader.read(`openstack/${source}`);
    if (content === null) {
      log.warn(`${at}: openstack/${source} is missing; ${target} is not written`);
      continue;
    }
    out.push({ path: target, content });
  }
  return out;
}

async function legacyNetworkConfig(reader: TreeReader, md: Mapping, where: string, log: Log): Promise<NetworkConfigInput | null> {
  const nc = md['network_config'];
  if (nc === undefined || nc === null) return null;
  const cp = isMapping(nc) ? nc['content_path'] : undefined;
  const source = typeof cp === 'string' ? safeTreePath(cp) : null;
  if (source === null) {
    log.error(`${where}: network_config.content_path must be a path inside the openstack/ directory; ignored`);
    return null;
  }
  const text = await reader.read(`openstack/${source}`);
  if (text === null) {
    log.warn(`${where}: network_config names openstack/${source}, which is missing`);
    return null;
  }
  log.deprecated(`${where}: network_config (ENI text) is deprecated; clouds provide network_data.json instead`);
  return { source: `${reader.where}: openstack/${source}`, kind: 'eni', text: text.toString('utf8') };
}

/** Read the v2 tree; null when there is no openstack/ directory (or service listing). */
export async function readOpenStackTree(reader: TreeReader, log: Log): Promise<OpenStackTree | null> {
  const names = await reader.list('openstack');
  if (names === null) return null;
  const tried = versionsToTry(names);
  let version: string | undefined;
  let raw: Buffer | null = null;
  for (const v of tried) {
    raw = await reader.read(`openstack/${v}/meta_data.json`);
    if (raw !== null) {
      version = v;
      break;
    }
    log.warn(`${reader.where}: openstack/${v}/meta_data.json is missing${v === tried[tried.length - 1] ? '' : '; trying the next version'}`);
  }
  if (version === undefined || raw === null) throw new DatasourceError(`${reader.where}: no meta_data.json in openstack/${tried.join(', openstack/')}`);
  const base = `openstack/${version}`;
  const mdWhere = `${reader.where}: ${base}/meta_data.json`;
  const parsedMd = parseJson(raw.toString('utf8'), mdWhere);
  if (!parsedMd.ok) throw new DatasourceError(parsedMd.message);
  const md = parsedMd.value;
  if (!isMapping(md)) throw new DatasourceError(`${mdWhere} must hold a JSON object`);
  const uuid = md['uuid'];
  if (typeof uuid !== 'string' || uuid.trim() === '') throw new DatasourceError(`${mdWhere} has no uuid (the instance id)`);
  if (/[\0-\x1f/]/.test(uuid) || uuid === '.' || uuid === '..') throw new DatasourceError(`${mdWhere}: uuid ${JSON.stringify(uuid)} cannot name an instance directory`);
  const metaData: Mapping = { ...md, 'instance-id': uuid };
  if (typeof md['hostname'] === 'string') metaData['local-hostname'] = md['hostname'];
  checkRandomSeed(metaData, mdWhere, log);

  const userData = await reader.read(`${base}/user_data`);
  const vendorData = vendorDataOf(await readJson(reader, `${base}/vendor_data.json`, false, log), `${reader.where}: ${base}/vendor_data.json`, log);
  const vendorData2 = vendorDataOf(await readJson(reader, `${base}/vendor_data2.json`, false, log), `${reader.where}: ${base}/vendor_data2.json`, log);

  const ndPath = `${base}/network_data.json`;
  const nd = await reader.read(ndPath);
  let networkConfig: NetworkConfigInput | null = null;
  let networkJson: unknown = null;
  if (nd !== null && nd.toString('utf8').trim() !== '') {
    // Handed on as text: the network step parses it again with located messages.
    networkConfig = { source: `${reader.where}: ${ndPath}`, kind: 'network_data.json', text: nd.toString('utf8') };
    const parsed = parseJson(networkConfig.text, networkConfig.source);
    networkJson = parsed.ok ? parsed.value : null;
  }
  networkConfig ??= await legacyNetworkConfig(reader, md, mdWhere, log);

  const ec2 = await readJson(reader, 'ec2/latest/meta-data.json', false, log);
  return {
    version,
    instanceId: uuid,
    metaData,
    userData: userData === null || userData.length === 0 ? null : userData,
    vendorData,
    vendorData2,
    networkConfig,
    networkJson,
    ec2MetaData: isMapping(ec2) ? ec2 : null,
    files: await injectedFiles(reader, md, mdWhere, log),
    dsmode: dsmodeOf(md, mdWhere, log),
  };
}
