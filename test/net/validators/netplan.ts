/**
 * netplan YAML → the real `netplan generate --root-dir` (netplan.io).
 *
 * The YAML files of the validated root (etc/netplan, run/netplan, lib/netplan,
 * the directories netplan reads) are copied with their modes into a fresh root
 * (netplan warns about YAML readable by others, which is a finding), and
 * netplan generates into that root's run/ inside a sandbox. Any non-zero exit
 * or any line on stderr (parse errors, deprecation and permission warnings)
 * fails the validation.
 */
import { chmodSync, copyFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { filesUnder, lines, requireTools, runSandboxed, TOOLS, withTempDir, type ValidationResult } from './sandbox.ts';

export interface NetplanResult extends ValidationResult {
  /** What netplan generated: path relative to the root (e.g. run/systemd/network/10-netplan-eth0.network) → content. */
  generated: Map<string, string>;
}

const NETPLAN_DIRS = ['lib/netplan', 'etc/netplan', 'run/netplan'];

// GLib's prefix on g_warning() output: "** (generate:1234): WARNING **: 04:27:25.369: ".
const GLIB_PREFIX = /^\*\* \([^)]*\): ([A-Z]+) \*\*: [0-9:.]+: /;

export async function validateNetplan(root: string): Promise<NetplanResult> {
  requireTools(TOOLS.netplan);
  const yamls = NETPLAN_DIRS.flatMap((d) => filesUnder(root, d)).filter((f) => f.endsWith('.yaml'));
  if (yamls.length === 0) {
    return { ok: false, messages: [`no netplan YAML under ${NETPLAN_DIRS.join(', ')}`], generated: new Map() };
  }
  return withTempDir('netplan', async (tmp) => {
    const genRoot = join(tmp, 'root');
    mkdirSync(join(genRoot, 'run'), { recursive: true });
    for (const rel of yamls) {
      const to = join(genRoot, rel);
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(join(root, rel), to);
      chmodSync(to, statSync(join(root, rel)).mode & 0o7777);
    }
    // A fresh sysfs shows only this namespace's "lo", so no host NIC can influence the output.
    const r = await runSandboxed('mount -t sysfs sysfs /sys\n"$1" generate --root-dir "$2"', [TOOLS.netplan.path, genRoot]);
    const messages = lines(r.stderr).map((l) => l.replace(GLIB_PREFIX, '$1: ').replaceAll(`${genRoot}/`, ''));
    if (r.timedOut) messages.push('netplan generate did not finish in time');
    else if (r.code !== 0) messages.push(`netplan generate exited with status ${r.code ?? r.signal}`);
    const generated = new Map<string, string>();
    for (const rel of filesUnder(genRoot, 'run')) generated.set(rel, readFileSync(join(genRoot, rel), 'utf8'));
    return { ok: messages.length === 0, messages, generated };
  });
}
