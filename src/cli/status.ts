/**
 * `stratus status`: is the boot done, and did it go well. Flags, output and
 * exit codes as cloud-init's `status`, read under --root.
 */
import { parseArgs } from 'node:util';
import { err as stderr, out as stdout } from '../host/console.ts';
import { DiskRoot } from '../host/root-fs.ts';
import { rootProblem } from '../host/rooted-path.ts';
import { hostUptime, readStatusInputs, type HostFacts } from '../report/status-inputs.ts';
import {
  renderStatus,
  STATUS_FORMATS,
  statusExitCode,
  statusReport,
  stillBooting,
  type StatusFormat,
  type StatusReport,
} from '../report/status.ts';
import type { Globals } from './globals.ts';

const HELP = `usage: stratus status [--format tabular|json|yaml] [-l|--long] [-w|--wait]

Report whether the boot stages have run and how they went.

      --format FORMAT   tabular (default), json or yaml
  -l, --long            also print the extended status, boot status code,
                        last update, detail and errors (tabular)
  -w, --wait            block until the boot stages are done (or disabled);
                        prints a dot per poll (tabular)

Exit status: 0 healthy, 1 error, 2 degraded (recoverable errors); 2 also
for a usage error.
`;

/** The outside world `status` uses; tests replace it. */
export interface StatusIo {
  out(text: string): void;
  err(text: string): void;
  host(): HostFacts;
  sleep(ms: number): Promise<void>;
}

export const HOST_IO: StatusIo = {
  out: stdout,
  err: stderr,
  host: () => ({ env: process.env, now: new Date(), uptime: hostUptime() }),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** cloud-init polls every quarter second, with no overall limit. */
const POLL_MS = 250;

export function status(argv: string[], globals: Globals): Promise<number> {
  return runStatus(argv, globals, HOST_IO);
}

export async function runStatus(argv: string[], globals: Globals, io: StatusIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        format: { type: 'string' },
        long: { type: 'boolean', short: 'l' },
        wait: { type: 'boolean', short: 'w' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    io.err(`stratus status: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const format = (values.format ?? 'tabular') as StatusFormat;
  if (!STATUS_FORMATS.includes(format)) {
    io.err(`stratus status: --format ${JSON.stringify(values.format)} is not one of ${STATUS_FORMATS.join(', ')}\n\n${HELP}`);
    return 2;
  }
  const wait = values.wait === true;
  const bad = rootProblem(globals.root);
  if (bad) {
    io.err(`stratus status: ${bad}\n`);
    return 1;
  }
  const fs = new DiskRoot(globals.root);
  const read = (): StatusReport | string => {
    try {
      return statusReport(readStatusInputs(fs, io.host()));
    } catch (e) {
      return `cannot read the boot status under ${globals.root}: ${(e as Error).message}`;
    }
  };

  let report = read();
  while (wait && typeof report !== 'string' && stillBooting(report)) {
    if (format === 'tabular') io.out('.');
    await io.sleep(POLL_MS);
    report = read();
  }
  if (typeof report === 'string') {
    io.err(`stratus status: ${report}\n`);
    return 1;
  }
  io.out(renderStatus(report, { format, long: values.long === true, wait }));
  return statusExitCode(report);
}
