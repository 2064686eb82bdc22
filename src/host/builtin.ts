/**
 * Node built-ins loaded only when a code path needs them. A static import
 * runs the module (and what it pulls in: zlib brings the stream machinery)
 * in every process, even when the data never needs it.
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
