/**
 * Interface names the network config asks for: a physical NIC matched by
 * MAC and given a name (v1 `name` with `mac_address`, v2 `set-name`) is
 * renamed on the running system before any network service reads the
 * config, as cloud-init does — the files name `eth0`, so the NIC must be
 * `eth0` by the time NetworkManager or ifupdown looks for it. (networkd
 * and netplan also get .link files for later boots.)
 *
 * Pure: the plan from the current NICs and the wishes; effects are the
 * caller's (stages/rename-interfaces.ts).
 */
import type { NetworkState } from './state.ts';

export interface NameWish {
  mac: string;
  name: string;
}

export interface CurrentNic {
  name: string;
  mac: string | null;
}

export interface Rename {
  from: string;
  to: string;
}

/** A v2 ethernet is renamed only when it says set-name; a plain match keeps the kernel's name. */
export function nameWishes(state: NetworkState): NameWish[] {
  return state.interfaces
    .filter((i) => i.type === 'physical' && i.macAddress !== undefined && (state.version === 1 || i.setName === true))
    .map((i) => ({ mac: (i.macAddress as string).toLowerCase(), name: i.name }));
}

/** Linux's limit on interface names (IFNAMSIZ - 1). */
const MAX_NAME = 15;

/**
 * The renames that give every wished-for MAC its name, in order. A name
 * held by another NIC that is renamed too is freed first through a
 * temporary name; a name held by a NIC the config does not rename is a
 * problem, and that wish is left alone (renaming a NIC nobody asked about
 * would break whatever uses it).
 */
export function planRenames(current: readonly CurrentNic[], wishes: readonly NameWish[]): { renames: Rename[]; problems: string[] } {
  const byName = new Map(current.map((n) => [n.name, n.mac?.toLowerCase() ?? null]));
  const nameOf = (mac: string) => [...byName].find(([, m]) => m === mac)?.[0];
  const wanted = new Map(wishes.map((w) => [w.mac, w.name]));
  const renames: Rename[] = [];
  const problems: string[] = [];
  let temp = 0;
  const move = (from: string, to: string) => {
    const mac = byName.get(from) ?? null;
    byName.delete(from);
    byName.set(to, mac);
    renames.push({ from, to });
  };
  for (const w of wishes) {
    if (w.name.length > MAX_NAME || /[\s/:]/.test(w.name)) {
      problems.push(`${w.mac}: ${JSON.stringify(w.name)} cannot be an interface name`);
      continue;
    }
    const cur = nameOf(w.mac);
    if (cur === undefined) continue; // not here (yet): nothing to rename
    if (cur === w.name) continue;
    if (byName.has(w.name)) {
      const occupant = byName.get(w.name) ?? null;
      if (occupant === null || !wanted.has(occupant) || wanted.get(occupant) === w.name) {
        problems.push(`${cur} (${w.mac}) is not renamed to ${w.name}: that name belongs to ${occupant ?? 'a device without a MAC'}, which the config does not rename`);
        continue;
      }
      let t: string;
      do t = `stratustmp${temp++}`;
      while (byName.has(t));
      move(w.name, t);
    }
    move(cur, w.name);
  }
  // A NIC parked under a temporary name whose own wish came earlier in the list.
  for (const [name, mac] of [...byName]) {
    if (!name.startsWith('stratustmp') || mac === null) continue;
    const want = wanted.get(mac);
    if (want !== undefined && !byName.has(want)) move(name, want);
    else problems.push(`${mac} was left as ${name}: its name ${want ?? '(none)'} is taken`);
  }
  return { renames, problems };
}
