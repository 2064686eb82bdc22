/**
 * Node built-ins loaded only when a code path needs them. A static import
 * runs the module (and what it pulls in: zlib and child_process bring the
 * stream machinery, child_process also net and dgram)
 * in every process, even when the data never needs it. (A dynamic
 * `import('node:…')` does not work either: the bundle runs in vm.Script,
 * which has no dynamic-import hook.)
 */
import { createRequire } from 'node:module';

declare const require: NodeJS.Require | undefined;

/** In the bundle (CommonJS) `require` exists; under tsx (ESM) one is made for this file. */
function load(): NodeJS.Require {
  return typeof require === 'function' ? require : createRequire(import.meta.url);
}

export function zlib(): typeof import('node:zlib') {
  return load()('node:zlib') as typeof import('node:zlib');
}

export function childProcess(): typeof import('node:child_process') {
  return load()('node:child_process') as typeof import('node:child_process');
}

/** node:crypto costs a few milliseconds to load; only password and key work needs it. */
export function crypto(): typeof import('node:crypto') {
  return load()('node:crypto') as typeof import('node:crypto');
}

/** node:dns: only a datasource that resolves a name of its cloud (CloudStack's data-server) needs it. */
export function dnsPromises(): typeof import('node:dns/promises') {
  return load()('node:dns/promises') as typeof import('node:dns/promises');
}
