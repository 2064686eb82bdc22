/**
 * Runs INSIDE a test sandbox (private mount, network and PID namespaces):
 * renders a network config, writes the renderer's files on "/" and brings
 * them up with stratus's activator, as the network stage does on a real
 * machine. Prints the commands and the log as JSON on stdout.
 *
 * Usage: node --import tsx bring-up.ts <renderer> <network-config file>
 *
 * Safety: it refuses to write any file that is not on a tmpfs mounted in
 * this mount namespace (the sandbox mounts private tmpfs over the config
 * directories), and it writes no manifest or state under /var/lib/cloud.
 */
import { readFileSync } from 'node:fs';
import { runCommand } from '../../../../src/host/exec.ts';
import { Log } from '../../../../src/host/log.ts';
import { DiskRoot } from '../../../../src/host/root-fs.ts';
import { activateNetwork, type ActivationContext } from '../../../../src/net/activate/index.ts';
import { readNetworkInput } from '../../../../src/net/input.ts';
import { OUTPUT_KINDS, renderFor, type OutputKind } from '../../../../src/net/render/for-target.ts';

function mountFor(path: string): { point: string; type: string } {
  let best = { point: '', type: '' };
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = line.split(' ');
    const point = f[4];
    const sep = f.indexOf('-');
    const type = sep > 0 ? f[sep + 1] : undefined;
    if (!point || !type) continue;
    const under = point === '/' || path === point || path.startsWith(`${point}/`);
    // Later lines are later mounts: on an equal mount point the last one is the visible one.
    if (under && point.length >= best.point.length) best = { point, type };
  }
  return best;
}

const [renderer, configFile] = process.argv.slice(2);
if (!renderer || !(OUTPUT_KINDS as readonly string[]).includes(renderer) || !configFile) {
  process.stderr.write('usage: bring-up.ts <renderer> <network-config file>\n');
  process.exit(2);
}
const kind = renderer as OutputKind;
const parsed = readNetworkInput(readFileSync(configFile, 'utf8'), configFile, 'yaml');
if (parsed.kind !== 'state') throw new Error(`${configFile}: not a usable network config`);
const files = renderFor(parsed.state, kind, 'debian', () => undefined).files.map((f) => ({ path: `/${f.path}`, content: f.content, mode: f.mode }));
for (const f of files) {
  const m = mountFor(f.path);
  if (m.type !== 'tmpfs' || m.point === '/') throw new Error(`refusing to write ${f.path}: it is on ${m.type} at ${m.point}, not a private tmpfs`);
}
const fs = new DiskRoot('/');
const changed = files.filter((f) => fs.readText(f.path) !== f.content).map((f) => f.path);
fs.writeFiles(files);

const log = new Log({ debug: false, tag: 'bring-up' });
const commands: { argv: string[]; ran: boolean }[] = [];
const ctx: ActivationContext = {
  fs,
  log,
  run: (argv, timeoutMs) => runCommand(argv, { root: '/', dryRun: false, timeoutMs, onCommand: (c) => commands.push({ argv: [...c.argv], ran: c.ran }) }),
};
const ok = activateNetwork(ctx, {}, { renderer: kind, state: parsed.state, changedFiles: changed });
process.stdout.write(`${JSON.stringify({ ok, written: changed, commands, log: log.records.map((r) => `${r.level}: ${r.message}`) })}\n`);
