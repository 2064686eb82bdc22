/**
 * A datasource's own section of the system config (`datasource.<Name>`) and
 * the numbers read from it, the same way for every datasource.
 */
import { isMapping, type Mapping } from '../text/reader.ts';

/** `datasource.<name>` of the merged system config; empty when absent or not a mapping. */
export function datasourceConfig(cfg: Mapping, name: string): Mapping {
  const ds = cfg['datasource'];
  const c = isMapping(ds) ? ds[name] : undefined;
  return isMapping(c) ? c : {};
}

/** A positive number given as a number or a numeric string (cloud.cfg writes both); else the fallback. */
export function positiveNumber(v: unknown, fallback: number): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) && n > 0 ? n : fallback;
}
