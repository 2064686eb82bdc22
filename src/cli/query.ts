/**
 * `stratus query`: print instance data (metadata, user-data, vendor-data,
 * the merged cloud-config) as cloud-init's `query` does: one value by dot
 * path, all of it, its keys, or a format string. Exit 0, or 1 with a
 * message on stderr; 2 for a usage error.
 */
import { parseArgs } from 'node:util';
import { err as stderr, out as stdout } from '../host/console.ts';
import { DiskRoot } from '../host/root-fs.ts';
import { pyJsonDumps } from '../report/py-json.ts';
import { DEFAULT_USER_DATA, DEFAULT_VENDOR_DATA, readQueryData } from '../report/query-data.ts';
import { rootProblem } from '../host/rooted-path.ts';
import { answerQuery, jinjaVariables, renderFormat } from '../report/query.ts';
import { paths } from '../stages/paths.ts';
import type { Globals } from './globals.ts';

const HELP = `usage: stratus query [-a|--all] [-l|--list-keys] [-f|--format TEMPLATE]
                     [-i|--instance-data FILE] [-u|--user-data FILE]
                     [-v|--vendor-data FILE] [-d|--debug] [VARNAME]

Print instance data. VARNAME is a dot path such as v1.local_hostname
(keys with "-" or "." are also reachable with "_" in their place).

  -a, --all                 print all instance data
  -l, --list-keys           print the keys at VARNAME (or the top-level keys)
  -f, --format TEMPLATE     print TEMPLATE with each {{ dotted.path }} replaced
                            by its value
  -i, --instance-data FILE  read FILE instead of ${paths.instanceData}
                            (root: ${paths.instanceDataSensitive})
  -u, --user-data FILE      read FILE instead of ${DEFAULT_USER_DATA}
  -v, --vendor-data FILE    read FILE instead of ${DEFAULT_VENDOR_DATA}
  -d, --debug               print the template variables to stderr (--format)

Files given with -i, -u and -v are paths on this machine; the defaults are
read under --root. Only root sees user-data, vendor-data and the combined
cloud-config. Exit status: 0 printed, 1 error, 2 usage error.
`;

export interface QueryIo {
  out(text: string): void;
  err(text: string): void;
  /** Read as root (sensitive data). */
  asRoot: boolean;
}

export function query(argv: string[], globals: Globals): Promise<number> {
  return runQuery(argv, globals, { out: stdout, err: stderr, asRoot: process.getuid?.() === 0 });
}

export async function runQuery(argv: string[], globals: Globals, io: QueryIo): Promise<number> {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        all: { type: 'boolean', short: 'a' },
        'list-keys': { type: 'boolean', short: 'l' },
        format: { type: 'string', short: 'f' },
        'instance-data': { type: 'string', short: 'i' },
        'user-data': { type: 'string', short: 'u' },
        'vendor-data': { type: 'string', short: 'v' },
        debug: { type: 'boolean', short: 'd' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    }));
  } catch (e) {
    io.err(`stratus query: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  if (positionals.length > 1) {
    io.err(`stratus query: one VARNAME at most, got ${positionals.map((p) => JSON.stringify(p)).join(' ')}\n\n${HELP}`);
    return 2;
  }
  const varname = positionals[0];
  const listKeys = values['list-keys'] === true;
  const format = values.format;
  if (!listKeys && !varname && !format && !values.all) {
    // cloud-init exits 1 here, not with its usage-error code.
    io.err(`stratus query: Expected one of the options: --all, --format, --list-keys or varname\n\n${HELP}`);
    return 1;
  }

  const bad = rootProblem(globals.root);
  if (bad) {
    io.err(`stratus query: ${bad}\n`);
    return 1;
  }
  const fs = new DiskRoot(globals.root);
  const loaded = readQueryData(fs, {
    asRoot: io.asRoot,
    instanceData: values['instance-data'],
    userData: values['user-data'],
    vendorData: values['vendor-data'],
  });
  if (!loaded.ok) {
    io.err(`stratus query: ${loaded.message}\n`);
    return 1;
  }
  for (const w of loaded.warnings) io.err(`stratus query: warning: ${w}\n`);

  if (format !== undefined && format !== '') {
    if (values.debug || globals.debug) {
      io.err(`Converted jinja variables\n${pyJsonDumps(jinjaVariables(loaded.data, { aliases: true }), 1)}\n`);
    }
    const r = renderFormat(format, loaded.data);
    if (!r.ok) {
      io.err(`stratus query: Failed to render templated data. ${r.message}\n`);
      return 1;
    }
    if (r.text === '') {
      // cloud-init prints nothing and fails when the result is empty.
      io.err('stratus query: the format renders to an empty string\n');
      return 1;
    }
    io.out(`${r.text}\n`);
    return 0;
  }
  const r = answerQuery(loaded.data, { varname, listKeys });
  if (!r.ok) {
    io.err(`stratus query: ${r.message}\n`);
    return 1;
  }
  io.out(`${r.text}\n`);
  return 0;
}
