import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { caCerts, deselectAll, pemCertificates } from '../../src/modules/ca-certs.ts';
import { readManifest } from '../../src/stages/manifest.ts';
import { cleanupRoots, runModule } from './harness.ts';

after(cleanupRoots);

/** A PEM block of the shape of a certificate (a DER SEQUENCE); the content is not parsed further. */
function pem(seed: number): string {
  const der = Buffer.alloc(300, seed);
  der[0] = 0x30;
  der[1] = 0x82;
  const b64 = der.toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${(b64.match(/.{1,64}/g) ?? []).join('\n')}\n-----END CERTIFICATE-----\n`;
}

describe('ca_certs', () => {
  it('writes one file per certificate and runs update-ca-certificates on Debian', async () => {
    const r = await runModule(caCerts, { ca_certs: { trusted: [pem(1), `Comment text\n${pem(2)}${pem(3)}`] } });
    assert.equal(r.error, undefined);
    assert.equal(r.read('/usr/local/share/ca-certificates/cloud-init-ca-cert-1.crt'), pem(1));
    assert.equal(r.read('/usr/local/share/ca-certificates/cloud-init-ca-cert-2.crt'), pem(2) + pem(3));
    assert.equal(r.mode('/usr/local/share/ca-certificates/cloud-init-ca-cert-1.crt'), 0o644);
    assert.deepEqual(r.commands, ['update-ca-certificates']);
    const { manifest } = readManifest(r.ctx.fs);
    assert.equal(manifest.files['/usr/local/share/ca-certificates/cloud-init-ca-cert-1.crt']?.category, 'system');
  });

  it('uses the anchors dir and update-ca-trust on RHEL', async () => {
    const r = await runModule(caCerts, { ca_certs: { trusted: [pem(4)] } }, { distro: 'rocky' });
    assert.equal(r.read('/etc/pki/ca-trust/source/anchors/cloud-init-ca-cert-1.crt'), pem(4));
    assert.deepEqual(r.commands, ['update-ca-trust']);
  });

  it('warns about entries that are not certificates, without their text, and keeps the good ones', async () => {
    const key = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n';
    const r = await runModule(caCerts, { ca_certs: { trusted: [key, 'garbage', pem(5), `${pem(6)}${key}`, 42] } });
    assert.equal(r.read('/usr/local/share/ca-certificates/cloud-init-ca-cert-1.crt'), pem(5));
    assert.equal(r.exists('/usr/local/share/ca-certificates/cloud-init-ca-cert-2.crt'), false);
    assert.match(r.logText, /ca_certs\.trusted\[0\]: holds a PRIVATE KEY block/);
    assert.match(r.logText, /ca_certs\.trusted\[1\]: has no -----BEGIN CERTIFICATE----- block/);
    assert.match(r.logText, /ca_certs\.trusted\[3\]: holds a PRIVATE KEY block/);
    assert.match(r.logText, /ca_certs\.trusted\[4\]: is not a string/);
    assert.doesNotMatch(r.logText, /MIIE/);
  });

  it('rejects a certificate block that is not base64 DER', () => {
    assert.match(String(pemCertificates('-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n')), /not valid base64 DER/);
    assert.match(String(pemCertificates('-----BEGIN CERTIFICATE-----\nAAAA\n')), /no -----BEGIN CERTIFICATE/);
  });

  it('remove_defaults deselects the shipped certificates on Debian and tells debconf', async () => {
    const conf = '# comment\nmozilla/A.crt\n!mozilla/B.crt\nmozilla/C.crt\n';
    const r = await runModule(caCerts, { ca_certs: { remove_defaults: true } }, { files: { '/etc/ca-certificates.conf': conf } });
    assert.equal(
      r.read('/etc/ca-certificates.conf'),
      '# comment\n# Certificates deselected by stratus: the cloud-config asks for ca_certs.remove_defaults\n!mozilla/A.crt\n!mozilla/B.crt\n!mozilla/C.crt\n',
    );
    assert.deepEqual(r.commands, ['debconf-set-selections', 'update-ca-certificates']);
    assert.equal(deselectAll(r.read('/etc/ca-certificates.conf')), r.read('/etc/ca-certificates.conf'));
  });

  it('removes an earlier instance\'s certificate files, and reads the deprecated spellings', async () => {
    const r = await runModule(caCerts, { 'ca-certs': { 'remove-defaults': false, trusted: [pem(7)] } }, {
      files: { '/usr/local/share/ca-certificates/cloud-init-ca-cert-2.crt': pem(8), '/usr/local/share/ca-certificates/mine.crt': pem(9) },
    });
    assert.equal(r.exists('/usr/local/share/ca-certificates/cloud-init-ca-cert-2.crt'), false);
    assert.equal(r.exists('/usr/local/share/ca-certificates/mine.crt'), true);
    assert.equal(r.read('/usr/local/share/ca-certificates/cloud-init-ca-cert-1.crt'), pem(7));
    assert.match(r.logText, /DEPRECATED: the ca-certs key/);
    assert.match(r.logText, /DEPRECATED: ca_certs\.remove-defaults/);
  });

  it('remove_defaults on RHEL empties the shipped sources, then adds the anchors', async () => {
    const r = await runModule(caCerts, { ca_certs: { remove_defaults: true, trusted: [pem(10)] } }, {
      distro: 'rhel',
      files: { '/usr/share/pki/ca-trust-source/ca-bundle.trust.p11-kit': 'x', '/etc/pki/ca-trust/source/anchors/old.pem': pem(11) },
    });
    assert.equal(r.exists('/usr/share/pki/ca-trust-source/ca-bundle.trust.p11-kit'), false);
    assert.equal(r.exists('/etc/pki/ca-trust/source/anchors/old.pem'), false);
    assert.equal(r.read('/etc/pki/ca-trust/source/anchors/cloud-init-ca-cert-1.crt'), pem(10));
    assert.deepEqual(r.commands, ['update-ca-trust']);
  });

  it('does nothing on a distro without a known trust store', () => {
    assert.ok(caCerts.distros?.includes('ubuntu'));
    assert.ok(!caCerts.distros?.includes('arch'));
  });
});
