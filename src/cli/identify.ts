/**
 * `stratus identify`: ds-identify as a command, for the systemd generator.
 * Decides from local facts (no network) whether a datasource applies,
 * writes the result where the stages and `status` look for it
 * (/run/cloud-init/{cloud.cfg,.ds-identify.result,ds-identify.log,
 * enabled|disabled}), and exits 0 when stratus should run this boot, 1 when
 * no datasource applies, 2 when it is disabled. `cloud-init=enabled` on the
 * kernel command line enables it without looking further, as cloud-init's
 * generator does. Nothing is written outside /run: at generator time the
 * root may still be read-only.
 */
import { parseArgs } from 'node:util';
import { err, out } from '../host/console.ts';
import { DiskRoot } from '../host/root-fs.ts';
import { makeStageContext } from '../stages/context.ts';
import { runIdentify } from '../stages/identify-step.ts';
import { paths } from '../stages/paths.ts';
import type { Globals } from './globals.ts';

const HELP = `usage: stratus [--root DIR] identify [--force] [--quiet]

Decide from local facts whether stratus runs this boot and with which
datasources; write the result under /run/cloud-init. The systemd generator
runs this.

  --force   decide again even when this boot already has a result
  --quiet   print nothing (the exit status says it)

Exit status: 0 enabled, 1 no datasource applies, 2 disabled.
`;

export async function identifyVerb(argv: string[], globals: Globals): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { force: { type: 'boolean' }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true });
  if (values.help) {
    out(HELP);
    return 0;
  }
  const fs = new DiskRoot(globals.root);
  const say = (s: string) => void (values.quiet ? undefined : out(`${s}\n`));
  const cmdline = fs.readText(paths.kernelCmdline) ?? '';
  if (cmdline.split(/\s+/).includes('cloud-init=enabled')) {
    fs.writeFiles([{ path: paths.runEnabled, content: '', mode: 0o644 }]);
    fs.remove(paths.runDisabled);
    say('enabled (cloud-init=enabled on the kernel command line)');
    return 0;
  }
  const ctx = makeStageContext('init-local', fs, { root: globals.root, debug: globals.debug, force: values.force === true, files: [], dryRun: false });
  const outcome = runIdentify(ctx);
  if (globals.debug) for (const r of ctx.log.records) err(`${r.level}: ${r.message}\n`);
  say(outcome);
  return outcome === 'enabled' ? 0 : outcome === 'not-found' ? 1 : 2;
}
