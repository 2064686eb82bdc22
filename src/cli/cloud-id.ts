/**
 * `stratus cloud-id`: the canonical id of the cloud this instance runs on,
 * from instance-data.json. Flags and exit codes as cloud-init's `cloud-id`:
 * 0 printed, 1 error, 2 disabled, 3 not started (the state word is printed).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { err as stderr, out as stdout } from '../host/console.ts';
import { DiskRoot } from '../host/root-fs.ts';
import { canonicalCloudId, METADATA_UNKNOWN } from '../report/cloud-id.ts';
import { pyJsonDumps } from '../report/py-json.ts';
import { readInRoot, rootProblem } from '../host/rooted-path.ts';
import { hostUptime, readStatusInputs, type HostFacts } from '../report/status-inputs.ts';
import { statusReport } from '../report/status.ts';
import { isDataObject, type DataValue } from '../report/values.ts';
import { paths } from '../stages/paths.ts';
import type { Globals } from './globals.ts';

const HELP = `usage: stratus cloud-id [-j|--json] [-l|--long] [-i|--instance-data FILE]

Print the canonical cloud id of this instance.

  -j, --json                   print all of instance-data's v1 keys as JSON
  -l, --long                   print the cloud id and the region, tab-separated
  -i, --instance-data FILE     read FILE (a path on this machine) instead of
                               ${paths.instanceData} under --root

Exit status: 0 printed, 1 error, 2 disabled, 3 not started (the last two
print "disabled" or "not started"); 2 also for a usage error.
`;

export interface CloudIdIo {
  out(text: string): void;
  err(text: string): void;
  host(): HostFacts;
}

const HOST_IO: CloudIdIo = {
  out: stdout,
  err: stderr,
  host: () => ({ env: process.env, now: new Date(), uptime: hostUptime() }),
};

export function cloudId(argv: string[], globals: Globals): Promise<number> {
  return runCloudId(argv, globals, HOST_IO);
}

export async function runCloudId(argv: string[], globals: Globals, io: CloudIdIo): Promise<number> {
  const { out, err } = io;
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        json: { type: 'boolean', short: 'j' },
        long: { type: 'boolean', short: 'l' },
        'instance-data': { type: 'string', short: 'i' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    err(`stratus cloud-id: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    out(HELP);
    return 0;
  }
  const bad = rootProblem(globals.root);
  if (bad) {
    err(`stratus cloud-id: ${bad}\n`);
    return 1;
  }
  const fs = new DiskRoot(globals.root);
  const explicit = values['instance-data'];
  const file = explicit ?? paths.instanceData;
  let bytes: Buffer | null;
  try {
    const report = statusReport(readStatusInputs(fs, io.host()));
    if (report.running === 'disabled' || report.running === 'not started') {
      out(`${report.running}\n`);
      return report.running === 'disabled' ? 2 : 3;
    }
    bytes = explicit !== undefined ? readHostFile(explicit) : readInRoot(fs, file);
  } catch (e) {
    err(`stratus cloud-id: ${(e as Error).message}\n`);
    return 1;
  }
  if (bytes === null) {
    err(`stratus cloud-id: File not found '${file}'. Provide a path to instance data json file using --instance-data\n`);
    return 1;
  }
  let data: unknown;
  try {
    data = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    err(`stratus cloud-id: File '${file}' is not valid json. ${(e as Error).message}\n`);
    return 1;
  }
  const top = data as DataValue;
  const v1Value = isDataObject(top) ? top['v1'] : undefined;
  const v1 = isDataObject(v1Value) ? { ...v1Value } : {};
  const text = (k: string) => (typeof v1[k] === 'string' ? (v1[k] as string) : null);
  // The id the boot recorded; computed as cloud-init does when it is missing.
  const id = text('cloud_id') || canonicalCloudId(text('cloud_name'), text('region'), text('platform') ?? METADATA_UNKNOWN);
  if (values.json) {
    v1['cloud_id'] = id;
    out(`${pyJsonDumps(v1, 1)}\n`);
  } else if (values.long) {
    out(`${id}\t${text('region') ?? METADATA_UNKNOWN}\n`);
  } else {
    out(`${id}\n`);
  }
  return 0;
}

function readHostFile(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return null;
    throw e;
  }
}
