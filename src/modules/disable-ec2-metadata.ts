/**
 * disable_ec2_metadata: block the instance metadata address for every
 * process on the machine from now on (a route that rejects it), so later
 * software cannot read credentials from it. `ip` where present, else the
 * old `route` tool.
 */
import { runCommand } from '../host/exec.ts';
import { commandOptions } from '../stages/context.ts';
import { toBool } from '../text/reader.ts';
import { hasProgram } from './packages.ts';
import type { ConfigModule } from './types.ts';
import { ModuleError } from './types.ts';

const METADATA_ADDRESS = '169.254.169.254';

export const disableEc2Metadata: ConfigModule = {
  name: 'disable_ec2_metadata',
  frequency: 'always',
  activateBy: ['disable_ec2_metadata'],
  schema: { properties: { disable_ec2_metadata: { type: 'boolean', default: false, description: 'Reject every route to 169.254.169.254.' } } },
  run(m) {
    if (toBool(m.cfg['disable_ec2_metadata']) !== true) return;
    let argv: string[];
    if (hasProgram(m.ctx.fs, 'ip')) argv = ['ip', 'route', 'add', 'prohibit', METADATA_ADDRESS];
    else if (hasProgram(m.ctx.fs, 'route')) argv = ['route', 'add', '-host', METADATA_ADDRESS, 'reject'];
    else throw new ModuleError(`neither ip nor route is installed: ${METADATA_ADDRESS} cannot be blocked`);
    const r = runCommand(argv, commandOptions(m.ctx, 30_000));
    if (!r.ran) m.ctx.log.info(`disable_ec2_metadata: ${argv.join(' ')} not run (${r.why})`);
    // The route exists already when the stage runs a second time on this boot.
    else if (r.code !== 0 && !/File exists/i.test(r.stderr)) throw new ModuleError(`${argv.join(' ')} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
  },
};
