/**
 * `stratus clean`: remove logs, generated configs and the state under
 * /var/lib/cloud so the next boot is a first boot. Flags as cloud-init's
 * `clean`. Scripts in /etc/cloud/clean.d and --reboot act on this machine,
 * so they run only when the root is "/"; under another root the command
 * says what it did not do.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { err as stderr, out as stdout } from '../host/console.ts';
import { runCommand } from '../host/exec.ts';
import { DiskRoot } from '../host/root-fs.ts';
import { rootProblem } from '../host/rooted-path.ts';
import {
  CLEAN_D,
  cleanArtifacts,
  cleanScripts,
  CONFIG_CHOICES,
  resetMachineId,
  targetUsesSystemd,
  type ConfigChoice,
} from '../stages/clean.ts';
import type { Globals } from './globals.ts';

const HELP = `usage: stratus clean [-l|--logs] [-s|--seed] [-c|--configs TYPE[,TYPE...]]...
                     [--machine-id] [-r|--reboot]

Remove the state of past boots so the next boot runs as a first boot:
everything under /var/lib/cloud except the seed directory (/run/cloud-init
is left alone), then run the executables in ${CLEAN_D}.

  -l, --logs            also remove /var/log/cloud-init.log and
                        /var/log/cloud-init-output.log
  -s, --seed            also remove /var/lib/cloud/seed
  -c, --configs TYPE    also remove the config files stratus generated of
                        TYPE: ${CONFIG_CHOICES.join(', ')} (repeatable, or comma-separated)
      --machine-id      set /etc/machine-id to "uninitialized" (systemd) or
                        remove it, so the next boot makes a new one
  -r, --reboot          reboot when the clean succeeded

Under --root other than /, the clean.d scripts are not run and --reboot
only says what it would do: both would act on this machine.
Exit status: 0 cleaned, 1 something could not be removed, 2 usage error.
`;

/** How long one clean.d script may run. */
const SCRIPT_TIMEOUT_MS = 60_000;
const REBOOT_COMMAND = ['shutdown', '-r', 'now'] as const;

export interface CleanIo {
  out(text: string): void;
  err(text: string): void;
  /** Runs a program (clean.d scripts, shutdown); tests replace it. */
  run(argv: readonly string[], timeoutMs?: number): { ok: true } | { ok: false; reason: string };
}

/** Through the one command runner; the output a script prints is passed on. */
function runProgram(argv: readonly string[], timeoutMs?: number): { ok: true } | { ok: false; reason: string } {
  const r = runCommand(argv, { root: '/', dryRun: false, timeoutMs });
  stdout(r.stdout);
  stderr(r.stderr);
  if (!r.ran) return { ok: false, reason: `not run: ${r.why ?? 'unknown reason'}` };
  if (r.timedOut) return { ok: false, reason: `timed out after ${(timeoutMs ?? 60_000) / 1000} s` };
  if (r.code !== 0) return { ok: false, reason: r.code === null ? 'killed by a signal' : `exit status ${r.code}` };
  return { ok: true };
}

export const HOST_IO: CleanIo = { out: stdout, err: stderr, run: runProgram };

export function clean(argv: string[], globals: Globals): Promise<number> {
  return runClean(argv, globals, HOST_IO);
}

type Parsed = { logs: boolean; seed: boolean; configs: ConfigChoice[]; machineId: boolean; reboot: boolean } | { usage: string } | { help: true };

function parse(argv: string[]): Parsed {
  let tokens;
  let values;
  try {
    ({ values, tokens } = parseArgs({
      args: argv,
      options: {
        logs: { type: 'boolean', short: 'l' },
        seed: { type: 'boolean', short: 's' },
        configs: { type: 'string', short: 'c', multiple: true },
        'machine-id': { type: 'boolean' },
        reboot: { type: 'boolean', short: 'r' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
      tokens: true,
    }));
  } catch (e) {
    return { usage: (e as Error).message };
  }
  if (values.help) return { help: true };
  // cloud-init takes several types after one -c ("-c network ssh_config"):
  // words right after a -c value are types too.
  const words: string[] = [];
  let afterConfigs = false;
  for (const t of tokens) {
    if (t.kind === 'option') {
      afterConfigs = t.name === 'configs';
      if (afterConfigs) words.push(t.value ?? '');
    } else if (t.kind === 'positional') {
      if (!afterConfigs) return { usage: `unexpected argument ${JSON.stringify(t.value)}` };
      words.push(t.value);
    } else {
      afterConfigs = false;
    }
  }
  const configs: ConfigChoice[] = [];
  for (const w of words.flatMap((x) => x.split(','))) {
    if (!(CONFIG_CHOICES as readonly string[]).includes(w)) {
      return { usage: `--configs ${JSON.stringify(w)} is not one of ${CONFIG_CHOICES.join(', ')}` };
    }
    if (!configs.includes(w as ConfigChoice)) configs.push(w as ConfigChoice);
  }
  return {
    logs: values.logs === true,
    seed: values.seed === true,
    configs,
    machineId: values['machine-id'] === true,
    reboot: values.reboot === true,
  };
}

export async function runClean(argv: string[], globals: Globals, io: CleanIo): Promise<number> {
  const opts = parse(argv);
  if ('help' in opts) {
    io.out(HELP);
    return 0;
  }
  if ('usage' in opts) {
    io.err(`stratus clean: ${opts.usage}\n\n${HELP}`);
    return 2;
  }
  const bad = rootProblem(globals.root);
  if (bad) {
    io.err(`stratus clean: ${bad}\n`);
    return 1;
  }
  const hostRoot = resolve(globals.root) === '/';
  const fs = new DiskRoot(globals.root);
  const problems: string[] = [];
  const notes: string[] = [];
  const removed: string[] = [];
  const collect = (r: { removed: string[]; notes: string[]; problems: string[] }) => {
    removed.push(...r.removed);
    notes.push(...r.notes);
    problems.push(...r.problems);
  };

  try {
    collect(cleanArtifacts(fs, opts));
    // As cloud-init: the scripts run only after everything else was removed.
    if (problems.length === 0) runCleanScripts(fs, hostRoot, globals.root, io, notes, problems);
    if (opts.machineId) collect(resetMachineId(fs, targetUsesSystemd(fs, hostRoot)));
  } catch (e) {
    problems.push((e as Error).message);
  }
  if (globals.debug) for (const p of removed) io.err(`removed ${p}\n`);
  for (const n of notes) io.err(`stratus clean: note: ${n}\n`);
  for (const p of problems) io.err(`stratus clean: ${p}\n`);
  if (problems.length > 0) {
    if (opts.reboot) io.err('stratus clean: not rebooting: the clean failed\n');
    return 1;
  }
  if (opts.reboot) {
    if (!hostRoot) {
      io.err(`stratus clean: would reboot (${REBOOT_COMMAND.join(' ')}), but not for --root ${globals.root}\n`);
      return 0;
    }
    const r = io.run(REBOOT_COMMAND);
    if (!r.ok) {
      io.err(`stratus clean: Could not reboot this system using "${REBOOT_COMMAND.join(' ')}": ${r.reason}\n`);
      return 1;
    }
  }
  return 0;
}

/** run-parts: each executable regular file in clean.d, in name order; one failing does not stop the others. */
function runCleanScripts(fs: DiskRoot, hostRoot: boolean, root: string, io: CleanIo, notes: string[], problems: string[]): void {
  const scripts = cleanScripts(fs);
  if (scripts.length === 0) return;
  if (!hostRoot) {
    notes.push(`not running ${CLEAN_D} under --root ${root}: its scripts would act on this machine (${scripts.join(', ')})`);
    return;
  }
  const failures: string[] = [];
  for (const script of scripts) {
    try {
      if (!statSync(script).isFile()) continue;
      accessSync(script, constants.X_OK);
    } catch {
      continue;
    }
    const r = io.run([script], SCRIPT_TIMEOUT_MS);
    if (!r.ok) failures.push(`${script}: ${r.reason}`);
  }
  if (failures.length > 0) problems.push(`Failure during run-parts of ${CLEAN_D}: ${failures.join('; ')}`);
}
