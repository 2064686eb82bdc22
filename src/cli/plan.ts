/**
 * `stratus plan`: what the next boot would write and run on the target, as
 * unified diffs against the files there now, without changing anything.
 * Secrets (files of mode 0600: user-data, instance-data-sensitive, …) are
 * listed with their size, not shown, unless --show-secrets is given.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { err, out } from '../host/console.ts';
import { LOG_FILE } from '../host/log.ts';
import { planBoot } from '../stages/boot.ts';
import { unifiedDiff } from '../text/diff.ts';
import type { Globals } from './globals.ts';

const HELP = `usage: stratus [--root DIR] plan [--seed DIR] [--file FILE]... [--show-secrets] [--debug]

Show what the next boot would write and run under --root, as unified diffs
against the files there now. Nothing is written and no command runs.

  --seed DIR        use the NoCloud seed in DIR (meta-data, user-data,
                    vendor-data, network-config) as /var/lib/cloud/seed/nocloud
  -f, --file F      extra config file (a target path), as for init
  --show-secrets    also show the content of files only root may read

Exit status: 0 the plan was made, 1 a stage of the plan would fail, 2 usage error.
`;

const SEED_NAMES = ['meta-data', 'user-data', 'vendor-data', 'network-config'];

function readSeed(dir: string): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  const names = new Set(readdirSync(dir));
  for (const n of SEED_NAMES) if (names.has(n)) files[n] = readFileSync(join(dir, n));
  return files;
}

function isText(b: Buffer): boolean {
  if (b.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

export async function plan(argv: string[], globals: Globals): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { seed: { type: 'string' }, file: { type: 'string', short: 'f', multiple: true }, 'show-secrets': { type: 'boolean' }, debug: { type: 'boolean', short: 'd' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    err(`stratus plan: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    out(HELP);
    return 0;
  }
  let seed: Record<string, Buffer> | undefined;
  if (values.seed !== undefined) {
    try {
      seed = readSeed(values.seed);
    } catch (e) {
      err(`stratus plan: cannot read the seed ${values.seed}: ${(e as Error).message}\n`);
      return 2;
    }
  }
  const planned = await planBoot({ root: globals.root, debug: globals.debug || values.debug === true, force: globals.force, files: values.file ?? [], dryRun: true }, seed);
  const showSecrets = values['show-secrets'] === true;
  const text: string[] = [];
  for (const { path, node } of planned.changes) {
    if (node.kind === 'dir') continue;
    const before = planned.base.kind(path);
    if (node.kind === 'gone') {
      if (before !== null && before !== 'dir') text.push(`removed ${path}\n`);
      continue;
    }
    if (node.kind === 'link') {
      if (planned.base.readLink(path) !== node.target) text.push(`symlink ${path} -> ${node.target}\n`);
      continue;
    }
    const old = before === 'file' ? planned.base.readFile(path) : null;
    if (old !== null && old.equals(node.content)) continue;
    const mode = `0${node.mode.toString(8)}`;
    if (path === LOG_FILE) {
      text.push(`appended to ${path}: ${node.content.length - (old?.length ?? 0)} bytes of log\n`);
    } else if ((node.mode & 0o077) === 0 && !showSecrets) {
      text.push(`${old === null ? 'create' : 'change'} ${path} (mode ${mode}, ${node.content.length} bytes; only root may read it: --show-secrets shows it)\n`);
    } else if (!isText(node.content) || (old !== null && !isText(old))) {
      text.push(`${old === null ? 'create' : 'change'} ${path} (mode ${mode}, ${node.content.length} bytes of binary data)\n`);
    } else {
      text.push(`${old === null ? 'create' : 'change'} ${path} (mode ${mode})\n`);
      text.push(unifiedDiff(old?.toString('utf8') ?? null, node.content.toString('utf8'), path, path));
    }
  }
  const commands = planned.runs.flatMap((r) => r.run.ctx.commands.map((c) => `  [${r.stage}] ${c.argv.join(' ')}\n`));
  out(text.join(''));
  out(commands.length > 0 ? `commands the boot would run:\n${commands.join('')}` : 'commands the boot would run: none\n');
  const failed = planned.runs.filter((r) => r.run.exitCode !== 0);
  for (const f of failed) err(`stratus plan: stage ${f.stage} would fail (see the messages above)\n`);
  return failed.length > 0 ? 1 : 0;
}
