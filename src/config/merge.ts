/**
 * cloud-init's default config merge (`mergemanydict`): layers are given
 * highest priority first; a key already set by a higher layer is never
 * replaced, whatever its value (a scalar, a list or even null), except that
 * two mappings are merged key by key. Lists are not concatenated.
 */
import { isMapping, type Mapping } from '../text/reader.ts';
import { hasOwn, setOwn } from './object.ts';

export function mergeConfigs(highestFirst: readonly Record<string, unknown>[]): Record<string, unknown> {
  const merged: Mapping = {};
  for (const layer of highestFirst) mergeInto(merged, layer);
  return merged;
}

function mergeInto(target: Mapping, source: Mapping): void {
  for (const key of Object.keys(source)) {
    const value = source[key];
    if (!hasOwn(target, key)) {
      setOwn(target, key, cloneValue(value));
      continue;
    }
    const existing = target[key];
    // `existing` was cloned by this merge, so filling it in place touches no input.
    if (isMapping(existing) && isMapping(value)) mergeInto(existing, value);
  }
}

/** Copies mappings and lists so the merged config shares no containers with its inputs. */
function cloneValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cloneValue);
  if (isMapping(value)) {
    const copy: Mapping = {};
    for (const key of Object.keys(value)) setOwn(copy, key, cloneValue(value[key]));
    return copy;
  }
  return value;
}
