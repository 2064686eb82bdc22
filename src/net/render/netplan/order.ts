/**
 * Order of the device sections in a netplan file.
 *
 * netplan parses a file again when a device refers to one defined further
 * down, and on that second pass it rejects every bridge whose `path-cost` or
 * `port-priority` it already read ("interface 'eth3' already has a path cost",
 * still so in netplan 1.x). Writing devices before the devices that use them
 * keeps netplan to a single pass.
 */
import type { YamlValue } from './yaml.ts';

type Doc = Readonly<Record<string, YamlValue>>;
type Devices = Readonly<Record<string, YamlValue | undefined>>;

/** netplan's device sections. */
const DEVICE_SECTIONS = new Set([
  'ethernets', 'wifis', 'modems', 'tunnels', 'bonds', 'bridges', 'vlans', 'vrfs', 'dummy-devices', 'virtual-ethernets', 'nm-devices',
]);

export function isDeviceSection(key: string, value: YamlValue | undefined): boolean {
  return DEVICE_SECTIONS.has(key) && isMapping(value);
}

function isMapping(v: YamlValue | undefined): v is Devices {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Ids a device definition refers to (members and VLAN parent). */
function references(def: YamlValue | undefined): string[] {
  if (!isMapping(def)) return [];
  const out: string[] = [];
  const members = def['interfaces'];
  if (Array.isArray(members)) for (const m of members) if (typeof m === 'string') out.push(m);
  if (typeof def['link'] === 'string') out.push(def['link']);
  return out;
}

/** Whether some bridge sets per-port options, which netplan cannot read twice. */
export function hasPerPortBridgeOptions(doc: Doc): boolean {
  const bridges = doc['bridges'];
  if (!isMapping(bridges)) return false;
  return Object.values(bridges).some((b) => {
    const params = isMapping(b) ? b['parameters'] : undefined;
    return isMapping(params) && (params['path-cost'] !== undefined || params['port-priority'] !== undefined);
  });
}

/** Whether, written in this section order (devices sorted within a section), a device refers to a later one. */
export function hasForwardReference(doc: Doc, sections: readonly string[]): boolean {
  const defined = new Set<string>();
  const all = new Set(sections.flatMap((s) => Object.keys(devicesOf(doc, s))));
  for (const section of sections) {
    const devices = devicesOf(doc, section);
    for (const id of Object.keys(devices).sort()) {
      if (references(devices[id]).some((ref) => all.has(ref) && !defined.has(ref))) return true;
      defined.add(id);
    }
  }
  return false;
}

/**
 * The sections in an order where referenced devices come first, keeping the
 * given order wherever the references allow it (and where they form a cycle).
 */
export function dependencyOrder<S extends string>(doc: Doc, sections: readonly S[]): S[] {
  const sectionOf = new Map<string, S>();
  for (const s of sections) for (const id of Object.keys(devicesOf(doc, s))) sectionOf.set(id, s);
  const needs = new Map<S, Set<S>>();
  for (const s of sections) {
    const deps = new Set<S>();
    for (const def of Object.values(devicesOf(doc, s))) {
      for (const ref of references(def)) {
        const target = sectionOf.get(ref);
        if (target !== undefined && target !== s) deps.add(target);
      }
    }
    needs.set(s, deps);
  }
  const placed: S[] = [];
  const left = [...sections];
  while (left.length > 0) {
    const ready = left.findIndex((s) => [...needs.get(s)!].every((d) => placed.includes(d)));
    const [next] = left.splice(ready >= 0 ? ready : 0, 1);
    placed.push(next!);
  }
  return placed;
}

function devicesOf(doc: Doc, section: string): Devices {
  const v = doc[section];
  return isMapping(v) ? v : {};
}
