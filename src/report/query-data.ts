/**
 * The data `query` answers from, read as cloud-init's query reads it:
 * root reads instance-data-sensitive.json (the redacted file if it is
 * missing, with a warning) and gets user-data, vendor-data and the combined
 * cloud-config added; anyone else reads the world-readable redacted file
 * and gets those three replaced by a note naming the file.
 *
 * Default files are read under the target root (links followed inside it);
 * files given with --instance-data/--user-data/--vendor-data are paths on
 * this machine, as a user typing them means.
 */
import { readFileSync } from 'node:fs';
import { zlib } from '../host/builtin.ts';
import type { RootFs } from '../host/root-fs.ts';
import { paths } from '../stages/paths.ts';
import { readInRoot } from '../host/rooted-path.ts';
import { BinaryValue, isDataObject, type DataObject, type DataValue } from './values.ts';

export const REDACTED_FOR_NON_ROOT = 'redacted for non-root user';

export const DEFAULT_USER_DATA = `${paths.instanceLink}/user-data.txt`;
export const DEFAULT_VENDOR_DATA = `${paths.instanceLink}/vendor-data.txt`;

/** Gunzipped user-data larger than this is refused (a gzip bomb would otherwise fill memory). */
const MAX_GUNZIPPED = 64 * 1024 * 1024;

export interface QuerySources {
  /** Read as root (sensitive data, user-data); default: the process runs as uid 0. */
  asRoot: boolean;
  instanceData?: string;
  userData?: string;
  vendorData?: string;
}

export type QueryData = { ok: true; data: DataObject; warnings: string[] } | { ok: false; message: string };

class ReadProblem extends Error {}

function describe(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'EACCES' ? 'permission denied (try sudo)' : (e as Error).message;
}

/** A file's bytes (explicit: a host path; else a target path); null when missing. */
function readBytes(fs: RootFs, path: string, explicit: boolean): Buffer | null {
  try {
    if (!explicit) return readInRoot(fs, path);
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return null;
    throw new ReadProblem(`cannot read ${path}: ${describe(e)}`);
  }
}

/** User-data as text when it is UTF-8 (gunzipped first if it is gzip), else as bytes. */
export function decodeUserData(bytes: Uint8Array, path: string): DataValue {
  let data = bytes;
  if (data[0] === 0x1f && data[1] === 0x8b) {
    try {
      data = zlib().gunzipSync(data, { maxOutputLength: MAX_GUNZIPPED });
    } catch (e) {
      throw new ReadProblem(`${path} looks gzip-compressed but cannot be decompressed: ${(e as Error).message}`);
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    return new BinaryValue(data);
  }
}

export function readQueryData(fs: RootFs, src: QuerySources): QueryData {
  const warnings: string[] = [];
  try {
    let file = src.instanceData ?? paths.instanceData;
    let bytes: Buffer | null;
    if (src.instanceData !== undefined) {
      bytes = readBytes(fs, file, true);
    } else if (src.asRoot) {
      bytes = readBytes(fs, paths.instanceDataSensitive, false);
      if (bytes === null) {
        warnings.push(`Missing root-readable ${paths.instanceDataSensitive}. Using redacted ${paths.instanceData} instead.`);
        bytes = readBytes(fs, file, false);
      } else {
        file = paths.instanceDataSensitive;
      }
    } else {
      bytes = readBytes(fs, file, false);
    }
    if (bytes === null) return { ok: false, message: `Missing instance-data file: ${file}` };
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch (e) {
      return { ok: false, message: `${file} is not valid JSON: ${(e as Error).message}` };
    }
    if (!isDataObject(parsed as DataValue)) return { ok: false, message: `${file} is not a JSON object` };
    const data = parsed as DataObject;

    const userFile = src.userData ?? DEFAULT_USER_DATA;
    const vendorFile = src.vendorData ?? DEFAULT_VENDOR_DATA;
    if (!src.asRoot) {
      data['userdata'] = `<${REDACTED_FOR_NON_ROOT}> file:${userFile}`;
      data['vendordata'] = `<${REDACTED_FOR_NON_ROOT}> file:${vendorFile}`;
      data['combined_cloud_config'] = `<${REDACTED_FOR_NON_ROOT}> file:${paths.combinedCloudConfig}`;
      return { ok: true, data, warnings };
    }
    data['userdata'] = readUserData(fs, userFile, src.userData !== undefined, 'user-data');
    data['vendordata'] = readUserData(fs, vendorFile, src.vendorData !== undefined, 'vendor-data');
    data['combined_cloud_config'] = readCombined(fs, warnings);
    return { ok: true, data, warnings };
  } catch (e) {
    if (e instanceof ReadProblem) return { ok: false, message: e.message };
    throw e;
  }
}

/**
 * A missing default file is null (the init stage writes both files, but
 * before it has run there are none); a missing file the user named is an
 * error. cloud-init fails the whole query, without a message, in both cases.
 */
function readUserData(fs: RootFs, path: string, explicit: boolean, label: string): DataValue {
  const bytes = readBytes(fs, path, explicit);
  if (bytes === null) {
    if (explicit) throw new ReadProblem(`Missing ${label} file: ${path}`);
    return null;
  }
  return decodeUserData(bytes, path);
}

/** Written by the init stage: missing before it ran (null, as cloud-init). */
function readCombined(fs: RootFs, warnings: string[]): DataValue {
  const bytes = readBytes(fs, paths.combinedCloudConfig, false);
  if (bytes === null) return null;
  try {
    return JSON.parse(bytes.toString('utf8')) as DataValue;
  } catch (e) {
    warnings.push(`${paths.combinedCloudConfig} is not valid JSON (${(e as Error).message}); combined_cloud_config is null`);
    return null;
  }
}
