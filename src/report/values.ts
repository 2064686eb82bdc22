/**
 * The values `status`, `query` and `cloud-id` print: JSON values plus raw
 * bytes (user-data that is neither UTF-8 nor gzip'd UTF-8), which cloud-init
 * prints as "ci-b64:<base64>".
 */
export class BinaryValue {
  readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  /** cloud-init's spelling of bytes in JSON output. */
  toCiB64(): string {
    return `ci-b64:${Buffer.from(this.bytes).toString('base64')}`;
  }
}

export type DataValue = null | boolean | number | string | BinaryValue | DataValue[] | DataObject;
export interface DataObject {
  [key: string]: DataValue;
}

export function isDataObject(v: DataValue | undefined): v is DataObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof BinaryValue);
}

/** Keys in Python's sort order (code points; JS's default sort compares UTF-16 units, which differs only for astral characters). */
export function sortedKeys(o: object): string[] {
  return Object.keys(o).sort((a, b) => {
    const ca = [...a];
    const cb = [...b];
    for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
      const x = ca[i]!.codePointAt(0)!;
      const y = cb[i]!.codePointAt(0)!;
      if (x !== y) return x - y;
    }
    return ca.length - cb.length;
  });
}
