/**
 * NoCloud: instance data from a seed the user or the platform provides —
 * the DMI serial or kernel command line (`ds=nocloud;s=…;i=…;h=…`), seed
 * directories, `seedfrom` (a directory in the local stage, a URL in the
 * network stage), config given inline in cloud.cfg, or a filesystem
 * labelled cidata. Sources are merged in cloud-init's order: meta-data
 * keys found first win, the first user-data found is used.
 */
import { datasourceConfig, positiveNumber } from '../config.ts';
import { nocloudFromCmdline } from '../../config/cmdline.ts';
import { isMapping, type Mapping } from '../../text/reader.ts';
import { DatasourceError, type CrawlContext, type Crawled, type DsMode, type NetworkConfigInput, type Source } from '../types.ts';
import { recrawlHotplug } from '../hotplug-recrawl.ts';
import { parseMetaData, readSeedDir, readSeedFilesystem, readSeedUrl, SEED_URL_DEFAULTS, type Seed, type SeedUrlOptions } from './seed.ts';

export const SEED_DIRS = ['/var/lib/cloud/seed/nocloud', '/var/lib/cloud/seed/nocloud-net'] as const;

const SHORT_KEYS: Record<string, string> = { h: 'local-hostname', i: 'instance-id', s: 'seedfrom' };

/** Keys from the DMI serial and the kernel command line, with their short names expanded. */
function commandLineSeeds(ctx: CrawlContext): { metaData: Mapping; dsmode?: DsMode; where: string }[] {
  const out: { metaData: Mapping; dsmode?: DsMode; where: string }[] = [];
  const tried: [string | null, string][] = [
    [ctx.dmi('product_serial'), 'DMI system-serial-number'],
    [ctx.cmdline, 'kernel command line'],
  ];
  for (const [text, where] of tried) {
    if (!text) continue;
    const parsed = nocloudFromCmdline(text);
    if (!parsed) continue;
    const metaData: Mapping = {};
    for (const [k, v] of Object.entries(parsed.values)) metaData[SHORT_KEYS[k] ?? k] = v;
    out.push({ metaData, ...(parsed.dsmode ? { dsmode: parsed.dsmode } : {}), where });
  }
  return out;
}

/** datasource.NoCloud timeout, retries (per request) and max_wait (the whole seed URL), for a seedfrom over HTTP. */
function seedUrlOptions(cfg: Mapping): SeedUrlOptions {
  return {
    timeoutMs: positiveNumber(cfg['timeout'], SEED_URL_DEFAULTS.timeoutMs / 1000) * 1000,
    retries: Math.floor(positiveNumber(cfg['retries'], SEED_URL_DEFAULTS.retries)),
    budgetMs: positiveNumber(cfg['max_wait'], SEED_URL_DEFAULTS.budgetMs / 1000) * 1000,
  };
}

/** Fill keys not yet present (earlier sources win). */
function mergeMissing(into: Mapping, from: Mapping): void {
  for (const [k, v] of Object.entries(from)) if (!Object.hasOwn(into, k)) into[k] = v;
}

function seedfromAllowed(seedfrom: string, stage: CrawlContext['stage']): boolean {
  if (stage === 'local') return seedfrom.startsWith('/') || seedfrom.startsWith('file://');
  return /^(https?|ftps?):\/\//.test(seedfrom);
}

/** `__dmi.system-uuid__`-style placeholders in seedfrom, filled from DMI. */
function substituteDmi(ctx: CrawlContext, seedfrom: string): string {
  const names: Record<string, string> = {
    'system-uuid': 'product_uuid',
    'system-serial-number': 'product_serial',
    'system-product-name': 'product_name',
    'system-manufacturer': 'sys_vendor',
    'chassis-asset-tag': 'chassis_asset_tag',
    'baseboard-product-name': 'board_name',
  };
  return seedfrom.replace(/__dmi\.([a-z-]+)__/g, (whole, key: string) => {
    const file = names[key];
    const v = file ? ctx.dmi(file) : null;
    return v ?? whole;
  });
}

function text(data: Buffer | undefined): string | null {
  return data === undefined ? null : data.toString('utf8');
}

async function crawl(ctx: CrawlContext): Promise<Crawled | null> {
  const cfg = datasourceConfig(ctx.cfg, 'NoCloud');
  const metaData: Mapping = {};
  let userData: Buffer | null = null;
  let vendorData: Buffer | null = null;
  let networkConfig: NetworkConfigInput | null = null;
  let dsmode: DsMode | undefined;
  const where: string[] = [];
  let found = false;

  const takeSeed = (seed: Seed): void => {
    found = true;
    where.push(seed.where);
    if (seed.files['meta-data']) mergeMissing(metaData, parseMetaData(seed.files['meta-data'], seed.where));
    userData ??= seed.files['user-data'] ?? null;
    vendorData ??= seed.files['vendor-data'] ?? null;
    const nc = text(seed.files['network-config']);
    if (networkConfig === null && nc !== null && nc.trim() !== '') {
      networkConfig = { source: `${seed.where} network-config`, kind: 'yaml', text: nc };
    }
  };

  for (const s of commandLineSeeds(ctx)) {
    found = true;
    where.push(s.where);
    mergeMissing(metaData, s.metaData);
    dsmode ??= s.dsmode;
  }

  for (const dir of SEED_DIRS) {
    const seed = readSeedDir(ctx.fs, dir);
    if (seed.files['meta-data'] && seed.files['user-data']) {
      takeSeed(seed);
      break;
    }
    if (seed.files['meta-data'] || seed.files['user-data']) {
      const missing = seed.files['meta-data'] ? 'user-data' : 'meta-data';
      ctx.log.warn(`NoCloud seed ${dir} has no ${missing} file and is ignored (a seed needs both meta-data and user-data; an empty file is enough)`);
    }
  }

  // datasource.NoCloud.seedfrom is assigned over any seedfrom found so far.
  if (typeof cfg['seedfrom'] === 'string') {
    metaData['seedfrom'] = cfg['seedfrom'];
    found = true;
  }

  const inlineUd = cfg['user-data'];
  const inlineMd = cfg['meta-data'];
  if (inlineUd !== undefined && inlineMd !== undefined) {
    found = true;
    where.push('system config datasource.NoCloud');
    if (isMapping(inlineMd)) mergeMissing(metaData, inlineMd);
    else if (typeof inlineMd === 'string') mergeMissing(metaData, parseMetaData(Buffer.from(inlineMd), 'system config datasource.NoCloud'));
    userData ??= Buffer.from(typeof inlineUd === 'string' ? inlineUd : JSON.stringify(inlineUd));
    const vd = cfg['vendor-data'];
    if (vd !== undefined) vendorData ??= Buffer.from(typeof vd === 'string' ? vd : JSON.stringify(vd));
    const nc = cfg['network-config'];
    if (nc !== undefined && networkConfig === null) {
      networkConfig = { source: 'system config datasource.NoCloud.network-config', kind: 'yaml', text: typeof nc === 'string' ? nc : JSON.stringify(nc) };
    }
  }

  const label = Object.hasOwn(cfg, 'fs_label') ? cfg['fs_label'] : 'cidata';
  if (typeof label === 'string' && label !== '') {
    const labels = [...new Set([label.toUpperCase(), label.toLowerCase(), label])];
    for (const dev of ctx.filesystemsLabelled(labels)) {
      const seed = readSeedFilesystem(dev);
      if (seed.files['meta-data'] && seed.files['user-data']) {
        takeSeed(seed);
        break;
      }
      ctx.log.warn(`${dev.device} is labelled ${dev.label} but has no ${seed.files['meta-data'] ? 'user-data' : 'meta-data'} file; ignored`);
    }
  }

  if (!found) return null;

  const seedfrom = metaData['seedfrom'];
  if (typeof seedfrom === 'string' && seedfrom !== '') {
    const base = substituteDmi(ctx, seedfrom);
    if (!seedfromAllowed(base, ctx.stage)) {
      if (ctx.stage === 'local') {
        ctx.log.info(`NoCloud seedfrom ${base} is read in the network stage`);
        ctx.deferred?.(`seedfrom ${base} is read in the network stage`);
        return null;
      }
      throw new DatasourceError(`NoCloud seedfrom ${JSON.stringify(base)} cannot be read in the network stage (use http:// or https://)`);
    }
    const seed = base.startsWith('/') || base.startsWith('file://') ? readSeedDir(ctx.fs, base.replace(/^file:\/\//, '').replace(/\/+$/, '') || '/') : await readSeedUrl(ctx, base, seedUrlOptions(cfg));
    if (!seed.files['meta-data']) throw new DatasourceError(`NoCloud seedfrom ${base}: no meta-data there`);
    where.push(seed.where);
    // The seed's meta-data goes under the keys already found; its other files replace.
    mergeMissing(metaData, parseMetaData(seed.files['meta-data'], seed.where));
    if (seed.files['user-data']) userData = seed.files['user-data'];
    if (seed.files['vendor-data']) vendorData = seed.files['vendor-data'];
    const nc = text(seed.files['network-config']);
    if (nc !== null && nc.trim() !== '') networkConfig = { source: `${seed.where} network-config`, kind: 'yaml', text: nc };
  }

  const legacyEni = metaData['network-interfaces'];
  if (networkConfig === null && typeof legacyEni === 'string' && legacyEni.trim() !== '') {
    ctx.log.deprecated('NoCloud meta-data key network-interfaces is deprecated (cloud-init 24.3); use a network-config file');
    networkConfig = { source: 'meta-data network-interfaces', kind: 'eni', text: legacyEni };
  }

  const mdMode = metaData['dsmode'];
  if (mdMode === 'local' || mdMode === 'net' || mdMode === 'disabled') dsmode = mdMode;
  if (dsmode === 'disabled') {
    ctx.log.info('NoCloud dsmode is disabled');
    return null;
  }
  const iid = metaData['instance-id'];
  const instanceId = typeof iid === 'string' && iid !== '' ? iid : typeof iid === 'number' ? String(iid) : 'nocloud';
  if (iid === undefined) metaData['instance-id'] = instanceId;
  // The id names a directory under /var/lib/cloud/instances and a line of its id files.
  if (/[\0-\x1f/]/.test(instanceId) || instanceId.trim() === '' || instanceId === '.' || instanceId === '..') {
    throw new DatasourceError(`NoCloud meta-data (${where.join(', ')}): instance-id ${JSON.stringify(instanceId)} cannot name an instance directory`);
  }
  return {
    dsname: 'NoCloud',
    instanceId,
    platform: 'nocloud',
    subplatform: where.find((w) => !w.startsWith('kernel') && !w.startsWith('DMI')) ?? where[0] ?? 'unknown',
    cloudName: typeof metaData['cloud-name'] === 'string' ? metaData['cloud-name'] : 'nocloud',
    dsmode: dsmode ?? 'net',
    metaData,
    userData,
    vendorData,
    vendorData2: null,
    networkConfig,
    config: {},
  };
}

/** The instance id the local facts name (command line or seed dir), or null when only media or a URL could tell. */
function checkInstanceId(ctx: CrawlContext, cachedId: string): boolean | null {
  for (const s of commandLineSeeds(ctx)) {
    const iid = s.metaData['instance-id'];
    if (typeof iid === 'string') return iid === cachedId;
  }
  for (const dir of SEED_DIRS) {
    const md = ctx.fs.readFile(`${dir}/meta-data`);
    if (md === null) continue;
    try {
      const iid = parseMetaData(md, dir)['instance-id'];
      if (typeof iid === 'string' || typeof iid === 'number') return String(iid) === cachedId;
    } catch {
      return null;
    }
  }
  return null;
}

/** Hotplug (off unless enabled): the seed is read again; its network config describes the NICs it knows. */
export const noCloud: Source = { dsname: 'NoCloud', stages: ['local', 'network'], crawl, checkInstanceId, hotplug: recrawlHotplug(crawl) };
