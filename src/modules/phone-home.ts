/**
 * phone_home: tell a URL that the instance is up, with its id, host names
 * and SSH host public keys as an HTML form POST — how some deployment
 * tools learn a machine's host keys. A failure is a warning: the machine
 * itself is fine.
 */
import { isMapping } from '../text/reader.ts';
import { chooseHostname } from './set-hostname.ts';
import type { ConfigModule } from './types.ts';

export const PHONE_HOME_KEYS = ['pub_key_rsa', 'pub_key_ecdsa', 'pub_key_ed25519', 'instance_id', 'hostname', 'fqdn'] as const;
const HOST_KEY_FILES: Record<string, string> = {
  pub_key_rsa: '/etc/ssh/ssh_host_rsa_key.pub',
  pub_key_ecdsa: '/etc/ssh/ssh_host_ecdsa_key.pub',
  pub_key_ed25519: '/etc/ssh/ssh_host_ed25519_key.pub',
};
const DEFAULT_TRIES = 10;
/** Pause between attempts (cloud-init waits 3 s). */
export const phoneHomeTiming = { pauseMs: 3000, timeoutMs: 10_000 };

export const phoneHome: ConfigModule = {
  name: 'phone_home',
  frequency: 'once-per-instance',
  activateBy: ['phone_home'],
  schema: {
    properties: {
      phone_home: {
        type: 'object',
        required: ['url'],
        additionalProperties: false,
        properties: {
          url: { type: 'string', description: 'Where to POST; $INSTANCE_ID is replaced by the instance id.' },
          post: { oneOf: [{ enum: ['all'] }, { type: 'array', items: { enum: [...PHONE_HOME_KEYS] } }], default: 'all' },
          tries: { type: 'integer', minimum: 1, default: DEFAULT_TRIES },
        },
      },
    },
  },
  async run(m) {
    const { ctx } = m;
    const cfg = m.cfg['phone_home'];
    if (!isMapping(cfg) || typeof cfg['url'] !== 'string' || cfg['url'] === '') {
      ctx.log.warn('phone_home needs a url; nothing sent');
      return;
    }
    const iid = m.instance.instanceId;
    const url = cfg['url'].replace(/\$\{INSTANCE_ID\}|\$INSTANCE_ID\b/g, encodeURIComponent(iid));
    let tries = DEFAULT_TRIES;
    const t = cfg['tries'];
    if (t !== undefined) {
      const n = typeof t === 'string' ? Number(t) : t;
      if (typeof n === 'number' && Number.isInteger(n) && n >= 1) tries = n;
      else ctx.log.warn(`phone_home.tries ${JSON.stringify(t)} is not a positive integer; ${DEFAULT_TRIES} is used`);
    }
    let wanted: string[] = [...PHONE_HOME_KEYS];
    const post = cfg['post'] ?? 'all';
    if (Array.isArray(post)) {
      wanted = [];
      for (const k of post) {
        if (typeof k === 'string' && (PHONE_HOME_KEYS as readonly string[]).includes(k)) wanted.push(k);
        else ctx.log.warn(`phone_home.post: ${JSON.stringify(k)} is not one of ${PHONE_HOME_KEYS.join(', ')}; skipped`);
      }
    } else if (post !== 'all') ctx.log.warn('phone_home.post must be "all" or a list of keys; all are sent');

    const names = chooseHostname(m);
    const values: Record<string, string | undefined> = { instance_id: iid, hostname: names?.hostname, fqdn: names?.fqdn };
    for (const [k, file] of Object.entries(HOST_KEY_FILES)) values[k] = ctx.fs.readText(file)?.trim() || undefined;
    const form = new URLSearchParams();
    for (const k of wanted) {
      const v = values[k];
      if (v === undefined) ctx.log.debug(`phone_home: ${k} is not available; not sent`);
      else form.append(k, v);
    }
    const { httpPost } = await import('../host/http.ts');
    try {
      await httpPost(url, form.toString(), {
        retries: tries - 1,
        pauseMs: phoneHomeTiming.pauseMs,
        timeoutMs: phoneHomeTiming.timeoutMs,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });
      ctx.log.info(`phone_home: posted ${[...form.keys()].join(', ')} to ${url}`);
    } catch (e) {
      ctx.log.warn(`phone_home: posting to ${url} failed after ${tries} tries: ${(e as Error).message}`);
    }
  },
};
