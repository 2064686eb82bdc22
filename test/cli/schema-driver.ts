/**
 * `stratus schema` as its own small program, for test/cli/schema.test.ts:
 * global options, then the verb's arguments, exactly as main.ts passes them.
 */
import { parseGlobals } from '../../src/cli/globals.ts';
import { schema } from '../../src/cli/schema.ts';

// Arguments as for stratus: [global options] schema [verb arguments].
const { globals, rest } = parseGlobals(process.argv.slice(2));
if (rest[0] !== 'schema') throw new Error('usage: schema-driver [--root DIR] schema ARGS...');
schema(rest.slice(1), globals).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`internal error: ${String(e)}\n`);
    process.exitCode = 70;
  },
);
