/**
 * Cloud-config through the schema validation the init stage runs on every
 * user-data: wrong types for known modules, huge and deeply nested values,
 * write_files entries with bad encodings and permissions, users with bad
 * names. A config with schema errors is refused key by key (the stage drops
 * the keys with errors and runs the rest; see status-and-bad-input.test.ts);
 * here every row states the located message. Module-level outcomes (paths
 * escaping the root, names refused at run time) are in stage.ts, through the
 * real CLI.
 */
import assert from 'node:assert/strict';
import { validateCloudConfig, type SchemaReport } from '../../../src/config/schema/cloud-config.ts';
import { loadYaml } from '../../../src/text/yaml.ts';
import { lines, type Area, type Row } from './row.ts';

const SRC = 'user-data';
const cc = (body: string) => `#cloud-config\n${body}`;
const at = (line: number, path: string, msg: string) => `${SRC} line ${line}: ${path}: ${msg}`;

const rows: Row<string, SchemaReport>[] = [
  // --- wrong types for known modules
  { name: 'runcmd a mapping', input: cc('runcmd: {a: b}\n'), expect: { rejected: at(2, 'runcmd', 'must be a list, not a mapping') } },
  { name: 'runcmd item a mapping', input: cc('runcmd:\n  - {rm: -rf}\n'), expect: { rejected: at(3, 'runcmd[0]', 'must be a string, a list or null, not a mapping') } },
  { name: 'bootcmd a number', input: cc('bootcmd: 42\n'), expect: { rejected: at(2, 'bootcmd', 'must be a list, not 42') } },
  { name: 'packages a mapping', input: cc('packages: {vim: latest}\n'), expect: { rejected: at(2, 'packages', 'must be a list, not a mapping') } },
  { name: 'package_update a word', input: cc('package_update: please\n'), expect: { rejected: at(2, 'package_update', 'must be true or false, not "please"') } },
  { name: 'timezone a list', input: cc('timezone: [UTC]\n'), expect: { rejected: at(2, 'timezone', 'must be a string, not a list') } },
  { name: 'hostname a number', input: cc('hostname: 12345\n'), expect: { rejected: at(2, 'hostname', 'must be a string, not 12345') } },
  { name: 'fqdn a mapping', input: cc('fqdn: {a: b}\n'), expect: { rejected: at(2, 'fqdn', 'must be a string, not a mapping') } },
  { name: 'preserve_hostname a string', input: cc('preserve_hostname: "no"\n'), expect: { rejected: at(2, 'preserve_hostname', 'must be true or false, not "no"') } },
  { name: 'ssh_authorized_keys a number', input: cc('ssh_authorized_keys: 5\n'), expect: { rejected: at(2, 'ssh_authorized_keys', 'must be ') } },
  { name: 'ssh_pwauth a list', input: cc('ssh_pwauth: [yes]\n'), expect: { rejected: at(2, 'ssh_pwauth', 'must be true or false or a string, not a list') } },
  { name: 'ntp servers a string', input: cc('ntp:\n  servers: pool.example\n'), expect: { rejected: at(3, 'ntp.servers', 'must be a list, not "pool.example"') } },
  { name: 'power_state mode unknown', input: cc('power_state:\n  mode: explode\n'), expect: { rejected: at(3, 'power_state.mode', '"explode" is not one of poweroff, reboot, halt') } },
  { name: 'power_state delay a word', input: cc('power_state:\n  mode: reboot\n  delay: soonish\n'), expect: { rejected: at(4, 'power_state.delay', '"soonish" does not match the pattern') } },
  { name: 'mounts a mapping', input: cc('mounts: {/dev/vdb: /mnt}\n'), expect: { rejected: at(2, 'mounts', 'must be a list, not a mapping') } },
  { name: 'growpart mode unknown', input: cc('growpart:\n  mode: sideways\n'), expect: { rejected: at(3, 'growpart.mode', '"sideways" is not one of auto, growpart, gpart, off') } },
  { name: 'locale a number', input: cc('locale: 8\n'), expect: { rejected: at(2, 'locale', 'must be a string or true or false, not 8') } },
  { name: 'phone_home url a list', input: cc('phone_home:\n  url: [http://x]\n'), expect: { rejected: at(3, 'phone_home.url', 'must be a string, not a list') } },
  { name: 'final_message a mapping', input: cc('final_message: {text: hi}\n'), expect: { rejected: at(2, 'final_message', 'must be a string, not a mapping') } },
  { name: 'chpasswd expire a word', input: cc('chpasswd:\n  expire: sometimes\n'), expect: { rejected: at(3, 'chpasswd.expire', 'must be true or false, not a string') } },
  { name: 'manage_etc_hosts a number', input: cc('manage_etc_hosts: 3\n'), expect: { rejected: at(2, 'manage_etc_hosts', 'must be true or false or a string, not 3') } },
  { name: 'resolv_conf nameservers a string', input: cc('manage_resolv_conf: true\nresolv_conf:\n  nameservers: 8.8.8.8\n'), expect: { rejected: at(4, 'resolv_conf.nameservers', 'must be a list, not "8.8.8.8"') } },
  { name: 'ca_certs trusted a string', input: cc('ca_certs:\n  trusted: PEM\n'), expect: { rejected: at(3, 'ca_certs.trusted', 'must be a list, not "PEM"') } },

  // --- write_files
  { name: 'write_files a mapping', input: cc('write_files: {path: /etc/x}\n'), expect: { rejected: at(2, 'write_files', 'must be a list, not a mapping') } },
  { name: 'write_files path a list', input: cc('write_files:\n  - path: [/etc/x]\n    content: x\n'), expect: { rejected: at(3, 'write_files[0].path', 'must be a string, not a list') } },
  { name: 'write_files encoding unknown', input: cc('write_files:\n  - path: /etc/x\n    content: x\n    encoding: rot13\n'), expect: { rejected: at(5, 'write_files[0].encoding', '"rot13" is not one of text, text/plain, b64, base64, gz, gzip, gz+b64, gz+base64, gzip+b64, gzip+base64') } },
  { name: 'write_files permissions a list', input: cc('write_files:\n  - path: /etc/x\n    content: x\n    permissions: [0644]\n'), expect: { rejected: at(5, 'write_files[0].permissions', 'must be a string or an integer, not a list') } },
  { name: 'write_files defer a word', input: cc('write_files:\n  - path: /etc/x\n    content: x\n    defer: later\n'), expect: { rejected: at(5, 'write_files[0].defer', 'must be true or false, not "later"') } },
  { name: 'write_files append a number', input: cc('write_files:\n  - path: /etc/x\n    content: x\n    append: 2\n'), expect: { rejected: at(5, 'write_files[0].append', 'must be true or false, not 2') } },
  { name: 'write_files owner a mapping', input: cc('write_files:\n  - path: /etc/x\n    content: x\n    owner: {user: root}\n'), expect: { rejected: at(5, 'write_files[0].owner', 'must be a string, not a mapping') } },

  // --- users
  { name: 'users a number', input: cc('users: 7\n'), expect: { rejected: at(2, 'users', 'must be a string, a mapping or a list, not 7') } },
  { name: 'user name a list', input: cc('users:\n  - name: [bob]\n'), expect: { rejected: at(3, 'users[0].name', 'must be a string, not a list') } },
  { name: 'user shell a list', input: cc('users:\n  - name: bob\n    shell: [/bin/sh]\n'), expect: { rejected: at(4, 'users[0].shell', 'must be a string, not a list') } },
  { name: 'user lock_passwd a word', input: cc('users:\n  - name: bob\n    lock_passwd: maybe\n'), expect: { rejected: at(4, 'users[0].lock_passwd', 'must be true or false, not "maybe"') } },
  { name: 'user sudo a number', input: cc('users:\n  - name: bob\n    sudo: 5\n'), expect: { rejected: at(4, 'users[0].sudo', 'must be ') } },
  { name: 'user ssh_authorized_keys a mapping', input: cc('users:\n  - name: bob\n    ssh_authorized_keys: {k: v}\n'), expect: { rejected: at(4, 'users[0].ssh_authorized_keys', 'must be a string or a list, not a mapping') } },
  { name: 'groups a number', input: cc('groups: 5\n'), expect: { rejected: at(2, 'groups', 'must be a string, a mapping or a list, not 5') } },

  // --- size and shape
  { name: 'runcmd of 50000 items: valid, and validated whole', input: cc(`runcmd:\n${'  - "true"\n'.repeat(50000)}`), expect: { accepted: (r) => assert.deepEqual(r.errors, []) } },
  { name: 'runcmd item nested 60 lists deep', input: cc(`runcmd: ${'['.repeat(60)}x${']'.repeat(60)}\n`), expect: { rejected: at(2, 'runcmd[0][0]', 'must be a string, not a list') } },
  { name: 'a top-level key of 100 KB: not valid YAML', input: cc(`${'k'.repeat(100_000)}: 1\n`), expect: { rejected: `${SRC} line 2: not valid YAML: unexpected ":"` } },
  { name: 'an unknown top-level key with shell text is only a warning', input: cc('"$(reboot)": 1\n'), expect: { accepted: (r) => assert.deepEqual(r.errors, []), warns: [`${SRC} line 2: warning: ["$(reboot)"]: unknown key; ignored`] } },
  { name: 'the document a string', input: cc('just words\n'), expect: { rejected: `${SRC} line 2: a cloud-config must be a mapping of keys to values, not a string` } },
  { name: '__proto__ key is an unknown key, not a prototype', input: cc('__proto__: {hostname: evil}\n'), expect: { accepted: (r) => assert.deepEqual(r.errors, []) } },
];

export const cloudConfig: Area<string, SchemaReport> = {
  area: 'cloud-config',
  rows,
  run(text) {
    const loaded = loadYaml(text, SRC);
    if (!loaded.doc) return { ...lines(loaded.diagnostics), value: undefined };
    const report = validateCloudConfig(loaded.doc.value, loaded.doc.locate, SRC);
    const out = lines([...report.errors, ...report.warnings, ...report.deprecations]);
    return { ...out, value: report.errors.length > 0 ? undefined : report };
  },
};
