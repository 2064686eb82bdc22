import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { disableEc2Metadata as mod } from '../../src/modules/disable-ec2-metadata.ts';
import { cleanupRoots, runModule } from './harness.ts';

after(cleanupRoots);

// Under a temp root the route commands are only recorded: these tests never touch the host's routes.
describe('disable_ec2_metadata', () => {
  it('runs every boot', () => assert.equal(mod.frequency, 'always'));

  it('ip route add prohibit when ip is on the target', async () => {
    const r = await runModule(mod, { disable_ec2_metadata: true }, { files: { '/usr/sbin/ip': '', '/sbin/route': '' } });
    assert.equal(r.error, undefined);
    assert.deepEqual(r.commands, ['ip route add prohibit 169.254.169.254']);
    assert.equal(r.ctx.commands[0]?.ran, false);
  });

  it('route add -host … reject when only route is there', async () => {
    const r = await runModule(mod, { disable_ec2_metadata: true }, { files: { '/sbin/route': '' } });
    assert.deepEqual(r.commands, ['route add -host 169.254.169.254 reject']);
  });

  it('neither tool: the module fails; false: nothing at all', async () => {
    const r = await runModule(mod, { disable_ec2_metadata: true });
    assert.match(r.error?.message ?? '', /neither ip nor route/);
    const off = await runModule(mod, { disable_ec2_metadata: false }, { files: { '/usr/sbin/ip': '' } });
    assert.deepEqual(off.commands, []);
  });
});
