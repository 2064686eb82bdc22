/**
 * The systemd unit-file text form shared by .network, .netdev and .link files,
 * laid out the way cloud-init's networkd renderer lays it out so that output
 * stays byte-compatible: sections in name order, keys in name order within a
 * section, one blank line after every section.
 */

export type Entry = readonly [key: string, value: string];

export interface Section {
  name: string;
  entries: Entry[];
}

export class UnitFile {
  private readonly sections: Section[] = [];

  /** A section that may appear only once ([Match], [Network], ...): later calls add to the same one. */
  single(name: string): Section {
    let s = this.sections.find((x) => x.name === name);
    if (!s) {
      s = { name, entries: [] };
      this.sections.push(s);
    }
    return s;
  }

  /** A section that repeats ([Address], [Route], [RoutingPolicyRule]): each call starts a new one. */
  repeated(name: string, entries: Entry[]): void {
    if (entries.length > 0) this.sections.push({ name, entries });
  }

  isEmpty(): boolean {
    return this.sections.every((s) => s.entries.length === 0);
  }

  /**
   * Sorting is stable, so repeated sections keep the order they were added in,
   * and so do repeated keys (several DNS= or VLAN= lines) inside a section.
   * Identical lines inside one section are written once, as cloud-init does.
   */
  toString(): string {
    const parts: string[] = [];
    const sorted = [...this.sections].sort((a, b) => compare(a.name, b.name));
    for (const s of sorted) {
      if (s.entries.length === 0) continue;
      const lines = [...new Set([...s.entries].sort((a, b) => compare(a[0], b[0])).map(([k, v]) => `${k}=${v}`))];
      parts.push(`[${s.name}]\n${lines.join('\n')}\n`);
    }
    return parts.join('\n');
  }
}

/** Code-unit order, as Python's sorted() on ASCII keys (upper case before lower case). */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function yesNo(b: boolean): string {
  return b ? 'yes' : 'no';
}
