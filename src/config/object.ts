/**
 * Building mappings from keys read out of untrusted input (YAML keys, kernel
 * command line keys). A plain `obj[key] = value` with the key "__proto__"
 * would change the object's prototype instead of adding a key, so such keys
 * are defined as ordinary own properties.
 */

/** Set an own, enumerable property, whatever the key. */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

export function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}
