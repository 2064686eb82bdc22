import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { scriptsUser, scriptsVendor } from '../../src/modules/scripts.ts';
import { cleanupRoots, runModule } from './harness.ts';

after(cleanupRoots);

const IDIR = '/var/lib/cloud/instances/iid-test';
const FILES = {
  [`${IDIR}/scripts/runcmd`]: '#!/bin/sh\n',
  [`${IDIR}/scripts/part-001`]: '#!/bin/sh\n',
  [`${IDIR}/scripts/vendor/b-second`]: '#!/bin/sh\n',
  [`${IDIR}/scripts/vendor/a-first`]: '#!/bin/sh\n',
};

describe('scripts_vendor', () => {
  it('runs the vendor scripts in name order (recorded under a temp root)', async () => {
    const r = await runModule(scriptsVendor, {}, { files: FILES, stage: 'modules-final' });
    assert.equal(r.error, undefined);
    assert.deepEqual(r.commands, [`${IDIR}/scripts/vendor/a-first`, `${IDIR}/scripts/vendor/b-second`]);
    assert.equal(scriptsVendor.frequency, 'once-per-instance');
  });

  it('vendor_data.prefix: a word or an argv list in front of each script', async () => {
    const word = await runModule(scriptsVendor, { vendor_data: { prefix: '/usr/bin/sandbox' } }, { files: FILES });
    assert.deepEqual(word.commands, [`/usr/bin/sandbox ${IDIR}/scripts/vendor/a-first`, `/usr/bin/sandbox ${IDIR}/scripts/vendor/b-second`]);
    const list = await runModule(scriptsVendor, { vendor_data: { prefix: ['/usr/bin/timeout', 60] } }, { files: FILES });
    assert.equal(list.commands[0], `/usr/bin/timeout 60 ${IDIR}/scripts/vendor/a-first`);
  });

  it('a bad prefix fails the module without running anything', async () => {
    const r = await runModule(scriptsVendor, { vendor_data: { prefix: { cmd: 'x' } } }, { files: FILES });
    assert.match(r.error?.message ?? '', /vendor_data\.prefix must be a command/);
    assert.deepEqual(r.commands, []);
  });

  it('scripts_user does not run the vendor dir, and does run runcmd\'s script', async () => {
    const r = await runModule(scriptsUser, {}, { files: FILES });
    assert.deepEqual(r.commands, [`${IDIR}/scripts/part-001`, `${IDIR}/scripts/runcmd`]);
  });
});
