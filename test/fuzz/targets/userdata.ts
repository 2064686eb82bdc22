/**
 * User-data through processUserData (MIME, part types, gzip/base64,
 * archives, jinja, includes) with an environment that has no network: the
 * local stage, where #include is never fetched. It never throws; its
 * messages never quote part content. parseMime is run on its own as well.
 */
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { processUserData } from '../../../src/userdata/index.ts';
import { parseMime } from '../../../src/userdata/mime.ts';
import { hostileString } from '../hostile.ts';
import { mutateBytes } from '../mutate-bytes.ts';
import { ACCEPTED, crash, describeError, type Verdict } from '../oracle.ts';
import type { Rng } from '../rng.ts';
import { filesUnder, OWN_SEEDS, readAll, REPO_DIR } from '../seeds.ts';
import { textGenerator, treeGenerator, type FuzzTarget, type Generate } from '../target.ts';

const INSTANCE = { v1: { distro: 'debian', instance_id: 'i-123', local_hostname: 'h', region: 'r', platform: 'nocloud' }, ds: { meta_data: { a: [1, 2] } } };
/** A marker planted in every input: no warning may repeat it (messages name parts, never their content). */
const SECRET = 'S3cr3tMarker';
/** A part's file name (a MIME header the user chose as its label) may be shown: it is how a message names the part. */
const PART_FILE_NAME = /file "(?:[^"\\]|\\.)*"/g;

async function run(input: Buffer): Promise<Verdict> {
  try {
    parseMime(input, 'user-data');
    const r = await processUserData(input, 'user-data', { stage: 'local', instanceData: INSTANCE });
    for (const w of r.warnings) if (w.replace(PART_FILE_NAME, 'file "…"').includes(SECRET)) return crash(`a warning quotes user-data content: ${w.slice(0, 200)}`);
    return ACCEPTED;
  } catch (e) {
    return crash(describeError(e));
  }
}

const TYPES = ['text/cloud-config', 'text/x-shellscript', 'text/cloud-boothook', 'text/x-include-url', 'text/x-include-once-url', 'text/jinja2', 'text/cloud-config-archive', 'text/x-shellscript-per-boot', 'text/part-handler', 'application/octet-stream', 'multipart/mixed', 'text/plain', 'x/unknown', ''];
const ENCODINGS = ['', 'base64', 'quoted-printable', '7bit', '8bit', 'binary', 'x-gzip', 'bogus'];

function part(rng: Rng, body: Buffer): string {
  const type = rng.chance(0.1) ? hostileString(rng) : rng.pick(TYPES);
  const enc = rng.pick(ENCODINGS);
  let payload = body;
  if (rng.chance(0.2)) payload = gzipSync(payload);
  const text = enc === 'base64' ? payload.toString('base64').replace(/(.{76})/g, '$1\n') : payload.toString('latin1');
  const headers = [`Content-Type: ${type}${rng.chance(0.3) ? `; charset="${rng.pick(['us-ascii', 'utf-8', 'latin1', hostileString(rng)])}"` : ''}`];
  if (enc) headers.push(`Content-Transfer-Encoding: ${enc}`);
  if (rng.chance(0.5)) headers.push(`Content-Disposition: attachment; filename="${rng.chance(0.5) ? hostileString(rng) : 'part.sh'}"`);
  if (rng.chance(0.2)) headers.push(`Merge-Type: ${rng.pick(['list(append)+dict(recurse_array)+str()', 'dict(no_replace)', hostileString(rng)])}`);
  return `${headers.join('\n')}\n\n${text}`;
}

/** A multipart message of mutated parts, sometimes nested, with hostile boundaries and headers. */
function mime(rng: Rng, body: () => Buffer, depth = 0): Buffer {
  const boundary = rng.chance(0.15) ? hostileString(rng) : `==b${rng.int(1000)}==`;
  const n = rng.small(6);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(depth < 3 && rng.chance(0.1) ? mime(rng, body, depth + 1).toString('latin1') : part(rng, body()));
  const closing = rng.chance(0.85) ? `\n--${boundary}--\n` : '';
  return Buffer.from(`Content-Type: multipart/${rng.pick(['mixed', 'alternative', 'x'])}; boundary="${boundary}"\nMIME-Version: 1.0\n\n${parts.map((p) => `--${boundary}\n${p}`).join('\n')}${closing}`, 'latin1');
}

function generator(seeds: readonly Buffer[]): Generate {
  const text = textGenerator(seeds);
  const cc = treeGenerator(seeds.filter((s) => s.toString('latin1').startsWith('#cloud-config')), 'yaml', '#cloud-config\n');
  return (rng, corpus) => {
    const plant = (b: Buffer): Buffer => Buffer.concat([b, Buffer.from(`\n# ${SECRET}\n`)]);
    const choice = rng.int(10);
    let out: Buffer;
    if (choice < 4) out = text(rng, corpus);
    else if (choice < 6) out = cc(rng, corpus);
    else out = mime(rng, () => plant(rng.chance(0.5) ? text(rng, corpus) : rng.pick(corpus)));
    if (rng.chance(0.05)) out = gzipSync(out);
    return rng.chance(0.15) ? mutateBytes(out, rng, corpus) : out;
  };
}

export const userData: FuzzTarget = {
  name: 'userdata',
  description: 'MIME user-data: processUserData (local stage, no network) + parseMime',
  code: ['src/userdata/'],
  seeds: () => readAll([...filesUnder(OWN_SEEDS, /userdata-/), ...filesUnder(join(REPO_DIR, 'test/config/corpus'), /\.yaml$/).slice(0, 12)]),
  generator,
  run,
};
