/**
 * The kernel command line (and the DMI serial, which NoCloud reads the same
 * way): `network-config=` with bad base64, corrupt gzip or binary content,
 * `ds=nocloud;…` with hostile keys and values, `cc:` blocks that are not
 * YAML. The whole path of the hostile nocloud values into a boot (instance
 * id, hostname) is in stage.ts.
 */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { ccFromCmdline, networkConfigFromCmdline, nocloudFromCmdline } from '../../../src/config/cmdline.ts';
import { formatDiagnostic } from '../../../src/text/diagnostics.ts';
import { loadYaml } from '../../../src/text/yaml.ts';
import { lines, type Area, type Row } from './row.ts';

type Input = { what: 'network-config' | 'nocloud' | 'cc'; cmdline: string };
type Value = { text?: string; values?: Record<string, string>; disabled?: boolean; dsmode?: string; cc?: unknown };

const BASE = 'BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro';
const nc = (arg: string): Input => ({ what: 'network-config', cmdline: `${BASE} network-config=${arg}` });
const ds = (arg: string): Input => ({ what: 'nocloud', cmdline: `${BASE} ${arg}` });
const cc = (arg: string): Input => ({ what: 'cc', cmdline: `${BASE} ${arg}` });
const NC = (msg: string) => `kernel command line line 1: network-config: ${msg}`;
const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64');

const rows: Row<Input, Value>[] = [
  { name: 'network-config not base64', input: nc('version:2'), expect: { rejected: NC('is not base64 text') } },
  { name: 'network-config base64 of a wrong length', input: nc('QUJDR'), expect: { rejected: NC('is not base64 text') } },
  { name: 'network-config corrupt gzip', input: nc(b64(Buffer.concat([gzipSync(Buffer.from('version: 2\n')).subarray(0, 12), Buffer.from('junkjunk')]))), expect: { rejected: NC('is gzip data that cannot be uncompressed') } },
  { name: 'network-config binary, not UTF-8', input: nc(b64(Buffer.from([0xff, 0xfe, 0xfd, 0x00]))), expect: { rejected: NC('does not decode to UTF-8 text') } },
  { name: 'network-config given twice: the last one counts', input: { what: 'network-config', cmdline: `${BASE} network-config=%%% network-config=${b64('version: 2\n')}` }, expect: { accepted: (v) => assert.equal(v.text, 'version: 2\n') } },
  { name: 'network-config with a shell command after it is one word', input: nc(`${b64('version: 2\n')};reboot`), expect: { rejected: NC('is not base64 text') } },
  { name: 'network-config "DISABLED" in capitals is not the keyword', input: nc('DISABLED'), expect: { rejected: NC('does not decode to UTF-8 text') } },
  { name: 'ds=nocloud with "/" and ".." in the instance id: taken as text here, refused by the datasource', input: ds('ds=nocloud;i=../../etc;h=host'), expect: { accepted: (v) => assert.equal(v.values?.['instance-id'], '../../etc') } },
  { name: 'ds=nocloud with a key and no value', input: ds('ds=nocloud;h;i=iid-1'), expect: { accepted: (v) => assert.deepEqual(v.values, { 'instance-id': 'iid-1' }) } },
  { name: 'ds=nocloud with an empty key', input: ds('ds=nocloud;=x;i=iid-1'), expect: { accepted: (v) => assert.deepEqual(v.values, { 'instance-id': 'iid-1' }) } },
  { name: 'ds=nocloud with __proto__ as a key', input: ds('ds=nocloud;__proto__=x;i=iid-1'), expect: { accepted: (v) => { assert.equal(v.values?.['instance-id'], 'iid-1'); assert.equal(({} as Record<string, unknown>)['x'], undefined); } } },
  { name: 'ds=nocloud seedfrom with an unknown scheme: no dsmode', input: ds('ds=nocloud;s=gopher://x/'), expect: { accepted: (v) => assert.equal(v.dsmode, undefined) } },
  { name: 'ds=nocloud dsmode not local or net', input: ds('ds=nocloud;dsmode=everything'), expect: { accepted: (v) => assert.equal(v.dsmode, undefined) } },
  { name: 'ds=nocloud hostname with $(…) is kept as text, refused by set_hostname', input: ds('ds=nocloud;h=$(reboot)'), expect: { accepted: (v) => assert.equal(v.values?.['local-hostname'], '$(reboot)') } },
  { name: 'ds=nocloud of 4000 items', input: ds(`ds=nocloud;${Array.from({ length: 4000 }, (_, i) => `k${i}=v`).join(';')}`), expect: { accepted: (v) => assert.equal(Object.keys(v.values ?? {}).length, 4000) } },
  { name: 'cc: block that is not YAML', input: cc('cc: runcmd: [unclosed end_cc'), expect: { rejected: `kernel command line (cc:) line 1: not valid YAML` } },
  { name: 'cc: block with a percent-encoded newline and NUL', input: cc('cc: hostname: a%0Ab%00 end_cc'), expect: { rejected: `kernel command line (cc:) line 2: not valid YAML: the character U+0000 is not allowed` } },
  { name: 'cc: block without end_cc runs to the end', input: cc('cc: {hostname: h1} quiet'), expect: { rejected: `kernel command line (cc:) line 1: not valid YAML` } },
  { name: 'cc: block with bad percent escapes is taken literally', input: cc('cc: {hostname: "a%zzb"} end_cc'), expect: { accepted: (v) => assert.deepEqual(v.cc, { hostname: 'a%zzb' }) } },
];

export const cmdlineDmi: Area<Input, Value> = {
  area: 'cmdline-dmi',
  rows,
  run(input) {
    if (input.what === 'network-config') {
      const r = networkConfigFromCmdline(input.cmdline);
      if (r.kind === 'error') return { errors: [formatDiagnostic(r.diagnostic)], warnings: [], value: undefined };
      return { errors: [], warnings: [], value: r.kind === 'text' ? { text: r.text } : { disabled: r.kind === 'disabled' } };
    }
    if (input.what === 'nocloud') {
      const r = nocloudFromCmdline(input.cmdline);
      return { errors: [], warnings: [], value: r ? { values: r.values, ...(r.dsmode ? { dsmode: r.dsmode } : {}) } : undefined };
    }
    const text = ccFromCmdline(input.cmdline) ?? '';
    const loaded = loadYaml(text, 'kernel command line (cc:)');
    return { ...lines(loaded.diagnostics), value: loaded.doc ? { cc: loaded.doc.value } : undefined };
  },
};
