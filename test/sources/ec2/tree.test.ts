/**
 * The EC2-style metadata tree crawler against an in-memory service with a
 * delay per request: shape of the result, the bound on requests in flight,
 * missing leaves, failures, skipped subtrees and the entry limit.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { crawlMetadataTree, leafValue, listingEntries } from '../../../src/sources/ec2/tree.ts';
import { DatasourceError, type HttpResponse } from '../../../src/sources/types.ts';

type Tree = { [k: string]: string | Tree };

/** A service for `tree` under latest/meta-data/; `status` overrides answers by path. */
function service(tree: Tree, opts: { delayMs?: number; status?: Record<string, number> } = {}) {
  const pages = new Map<string, string>();
  const walk = (prefix: string, t: Tree) => {
    const names: string[] = [];
    for (const [k, v] of Object.entries(t)) {
      if (typeof v === 'string') {
        names.push(k);
        pages.set(`${prefix}${k}`, v);
      } else {
        names.push(prefix.endsWith('public-keys/') ? `${k}=key${k}` : `${k}/`);
        walk(`${prefix}${k}/`, v);
      }
    }
    pages.set(prefix, names.join('\n'));
  };
  walk('latest/meta-data/', tree);
  let inFlight = 0;
  const stats = { maxInFlight: 0, requests: [] as string[] };
  const get = async (path: string): Promise<HttpResponse> => {
    stats.requests.push(path);
    inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, opts.delayMs ?? 2));
    inFlight--;
    const forced = opts.status?.[path];
    if (forced !== undefined) return { status: forced, body: Buffer.from('') };
    const page = pages.get(path);
    return page === undefined ? { status: 404, body: Buffer.from('') } : { status: 200, body: Buffer.from(page) };
  };
  return { get, stats };
}

const TREE: Tree = {
  'ami-id': 'ami-1',
  hostname: 'ip-10-0-0-1',
  'block-device-mapping': { ami: '/dev/xvda', root: '/dev/xvda' },
  iam: { info: '{"Code":"Success"}', 'security-credentials': { role: 'SECRET-KEYS' } },
  network: { interfaces: { macs: { '0e:00:00:00:00:01': { 'device-number': '0', 'local-ipv4s': '10.0.0.1' } } } },
  'public-keys': { '0': { 'openssh-key': 'ssh-ed25519 AAAA k0' }, '1': { 'openssh-key': 'ssh-ed25519 AAAA k1' } },
};

describe('crawlMetadataTree', () => {
  test('builds the nested mapping in listing order; never asks for security-credentials', async () => {
    const s = service(TREE);
    const got = await crawlMetadataTree('latest/meta-data/', { get: s.get });
    assert.deepEqual(got, {
      'ami-id': 'ami-1',
      hostname: 'ip-10-0-0-1',
      'block-device-mapping': { ami: '/dev/xvda', root: '/dev/xvda' },
      iam: { info: { Code: 'Success' } },
      network: { interfaces: { macs: { '0e:00:00:00:00:01': { 'device-number': '0', 'local-ipv4s': '10.0.0.1' } } } },
      'public-keys': { key0: 'ssh-ed25519 AAAA k0', key1: 'ssh-ed25519 AAAA k1' },
    });
    assert.ok(!s.stats.requests.some((p) => p.includes('security-credentials')), s.stats.requests.join(' '));
  });

  test('requests run concurrently, never more than the bound', async () => {
    const wide: Tree = {};
    for (let i = 0; i < 40; i++) wide[`k${i}`] = String(i);
    const s = service(wide, { delayMs: 10 });
    await crawlMetadataTree('latest/meta-data/', { get: s.get, concurrency: 5 });
    assert.equal(s.stats.maxInFlight, 5);
    const one = service(wide, { delayMs: 1 });
    await crawlMetadataTree('latest/meta-data/', { get: one.get, concurrency: 1 });
    assert.equal(one.stats.maxInFlight, 1);
  });

  test('a leaf that is 404 is left out; a failed leaf or directory fails the crawl', async () => {
    const missing = service(TREE, { status: { 'latest/meta-data/hostname': 404 } });
    assert.equal('hostname' in (await crawlMetadataTree('latest/meta-data/', { get: missing.get })), false);
    const broken = service(TREE, { status: { 'latest/meta-data/block-device-mapping/root': 500 } });
    await assert.rejects(crawlMetadataTree('latest/meta-data/', { get: broken.get }), (e: unknown) => e instanceof DatasourceError && /block-device-mapping\/root: HTTP 500/.test(e.message));
    const gone = service(TREE, { status: { 'latest/meta-data/network/interfaces/': 404 } });
    await assert.rejects(crawlMetadataTree('latest/meta-data/', { get: gone.get }), /HTTP 404 for a directory/);
  });

  test('a hostile service cannot make the crawl endless: entry and depth limits', async () => {
    const wide: Tree = {};
    for (let i = 0; i < 50; i++) wide[`k${i}`] = 'v';
    await assert.rejects(crawlMetadataTree('latest/meta-data/', { get: service(wide).get, maxEntries: 20 }), /more than 20 entries/);
    let deep: Tree = { leaf: 'v' };
    for (let i = 0; i < 20; i++) deep = { d: deep };
    await assert.rejects(crawlMetadataTree('latest/meta-data/', { get: service(deep).get, maxDepth: 5 }), /deeper than 5 levels/);
  });

  test('listing lines', () => {
    assert.deepEqual(listingEntries('a\nb/\n\n c \n', 'latest/meta-data/'), [{ name: 'a', isDir: false }, { name: 'b', isDir: true }, { name: 'c', isDir: false }]);
    assert.deepEqual(listingEntries('0=my-key\n1=other', 'latest/meta-data/public-keys/'), [{ name: '0', isDir: true, keyName: 'my-key' }, { name: '1', isDir: true, keyName: 'other' }]);
  });

  test('leaves as cloud-init keeps them: JSON objects parsed, several lines a list', () => {
    assert.deepEqual(leafValue('{"Code": "Success"}'), { Code: 'Success' });
    assert.equal(leafValue('{not json}'), '{not json}');
    assert.deepEqual(leafValue('10.0.0.1\n10.0.0.2'), ['10.0.0.1', '10.0.0.2']);
    assert.equal(leafValue('ami-1'), 'ami-1');
  });
});
