/**
 * `stratus analyze show|blame|dump|boot`: cloud-init's `analyze` on the
 * timing events of the log (stratus's or cloud-init's), with its flags.
 * Exit status 0; 1 when the input cannot be read or the output written;
 * 2 for a usage error.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bootText, type SystemdTimes } from '../analyze/boot.ts';
import { readEvents, type ParsedLog } from '../analyze/events.ts';
import { blameText, DEFAULT_SHOW_FORMAT, dumpText, FORMAT_KEYS, showText } from '../analyze/format.ts';
import { bootRecords } from '../analyze/records.ts';
import { err, out } from '../host/console.ts';
import { LOG_FILE } from '../host/log.ts';
import { DiskRoot } from '../host/root-fs.ts';
import { parseStatusFile, type StatusFile } from '../report/status-file.ts';
import { paths } from '../stages/paths.ts';
import type { Globals } from './globals.ts';

const SUBCOMMANDS = ['show', 'blame', 'dump', 'boot'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

const HELP = `usage: stratus [--root DIR] analyze show|blame|dump|boot [-i FILE] [-o FILE] [-f FORMAT]

Read the timing events of the boot stages from the log and report them.

  show     the events in order, per boot, with when each started and how long it took
  blame    the events that took longest first, per boot
  dump     the events as JSON
  boot     kernel start, userspace start (systemd's, when known), each stage's
           start and duration, and the time of the four stages

  -i, --infile FILE    the log to read (default ${LOG_FILE}, under --root); "-" is stdin;
                       a JSON file "analyze dump" wrote is read too
  -o, --outfile FILE   where to write (default "-": stdout)
  -f, --format FMT     show: the line of each event (default "${DEFAULT_SHOW_FORMAT}");
                       keys: ${Object.entries(FORMAT_KEYS).slice(0, 6).map(([k, v]) => `${k} ${v}`).join(', ')},
                       ${Object.entries(FORMAT_KEYS).slice(6).map(([k, v]) => `${k} ${v}`).join(', ')}

Exit status: 0; 1 when the input cannot be read or the output cannot be written.
`;

function readInput(file: string): string | { problem: string } {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    const x = e as NodeJS.ErrnoException;
    const why = x.code === 'ENOENT' ? 'no such file' : x.code === 'EACCES' ? 'permission denied' : x.code === 'EISDIR' ? 'is a directory' : x.message;
    return { problem: `cannot read ${file === '-' ? 'stdin' : file}: ${why}` };
  }
}

function readStatus(root: string): StatusFile | null {
  const text = new DiskRoot(root).readText(paths.statusFile);
  if (text === null) return null;
  const parsed = parseStatusFile(text);
  return parsed.ok ? parsed.value : null;
}

function systemctlMonotonic(args: string[]): number | string {
  const r = spawnSync('systemctl', ['show', ...args], { encoding: 'utf8', timeout: 10_000 });
  if (r.error) return `systemctl: ${(r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not installed' : r.error.message}`;
  if (r.status !== 0) return `systemctl show failed: ${r.stderr.trim() || `exit ${r.status}`}`;
  const value = Number(r.stdout.trim().split('=')[1]);
  return Number.isFinite(value) && value > 0 ? value / 1e6 : `systemctl show ${args.join(' ')}: no timestamp`;
}

/** systemd's boot timestamps of this machine, or why there are none (another root, PID 1 not systemd). */
function systemdTimes(root: string): SystemdTimes | string {
  if (root !== '/') return `--root ${root} is not the running system`;
  if (!existsSync('/run/systemd/system')) return 'PID 1 is not systemd';
  const userspace = systemctlMonotonic(['-p', 'UserspaceTimestampMonotonic']);
  if (typeof userspace === 'string') return userspace;
  const unit = systemctlMonotonic(['-p', 'InactiveExitTimestampMonotonic', 'cloud-init-local.service']);
  return { userspace, unit: typeof unit === 'number' ? unit : null };
}

function render(sub: Subcommand, log: ParsedLog, format: string, globals: Globals): string {
  if (sub === 'dump') return dumpText(log.events);
  const records = bootRecords(log.events);
  if (sub === 'show') return showText(records, format);
  if (sub === 'blame') return blameText(records);
  return bootText({ record: records[records.length - 1] ?? null, uptimes: log.uptimes, status: readStatus(globals.root), systemd: systemdTimes(globals.root) });
}

export async function analyze(argv: string[], globals: Globals): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h') {
    out(HELP);
    return 0;
  }
  if (sub === undefined || !(SUBCOMMANDS as readonly string[]).includes(sub)) {
    err(`stratus analyze: ${sub === undefined ? 'a subcommand is needed' : `unknown subcommand ${JSON.stringify(sub)}`}\n\n${HELP}`);
    return 2;
  }
  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        infile: { type: 'string', short: 'i' },
        outfile: { type: 'string', short: 'o' },
        format: { type: 'string', short: 'f' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    err(`stratus analyze ${sub}: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    out(HELP);
    return 0;
  }
  if (values.format !== undefined && sub !== 'show') {
    err(`stratus analyze ${sub}: --format is for show only\n`);
    return 2;
  }
  const infile = values.infile ?? join(globals.root, LOG_FILE);
  const text = readInput(infile);
  if (typeof text !== 'string') {
    err(`stratus analyze ${sub}: ${text.problem}\n`);
    return 1;
  }
  const log = readEvents(text);
  if (log.skipped > 0) err(`stratus analyze: ${log.skipped} event line${log.skipped === 1 ? '' : 's'} of ${infile === '-' ? 'stdin' : infile} could not be read; skipped\n`);
  const result = render(sub as Subcommand, log, values.format ?? DEFAULT_SHOW_FORMAT, globals);
  const outfile = values.outfile ?? '-';
  if (outfile === '-') {
    out(result);
    return 0;
  }
  try {
    writeFileSync(outfile, result);
  } catch (e) {
    err(`stratus analyze ${sub}: cannot write ${outfile}: ${(e as Error).message}\n`);
    return 1;
  }
  return 0;
}
