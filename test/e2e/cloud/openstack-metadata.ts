/**
 * An OpenStack metadata service for the test cloud, as routes: the layout
 * nova's metadata API serves (docs.openstack.org, "Metadata service"):
 *
 *   GET /openstack                         version list, one per line, "latest" last
 *   GET /openstack/<version>/              file list
 *   GET /openstack/<version>/meta_data.json, user_data, vendor_data.json,
 *       vendor_data2.json, network_data.json
 *   GET /openstack/content/<n>             injected file content (meta_data.json `files`)
 *   GET /latest/meta-data/ …               the EC2-compatible tree
 *
 * Missing files are 404, as nova answers for an instance without user data.
 */
import type { HttpRoute } from './types.ts';

export interface OpenStackVersionFiles {
  meta_data: Record<string, unknown>;
  user_data?: string;
  vendor_data?: unknown;
  vendor_data2?: unknown;
  network_data?: unknown;
}

export interface OpenStackService {
  /** Version name → its files; "latest" is added as a copy of the newest when absent. */
  versions: Record<string, OpenStackVersionFiles>;
  /** openstack/content/<name> → text. */
  content?: Record<string, string>;
  /** The EC2-style tree: nested objects are directories, strings are leaves. */
  ec2?: Record<string, unknown>;
}

const json = (v: unknown) => `${JSON.stringify(v, null, 1)}\n`;

function ec2Routes(prefix: string, tree: Record<string, unknown>, out: HttpRoute[]): void {
  const names: string[] = [];
  for (const [k, v] of Object.entries(tree)) {
    if (typeof v === 'string') {
      names.push(k);
      out.push({ path: `${prefix}${k}`, body: v });
    } else {
      names.push(`${k}/`);
      ec2Routes(`${prefix}${k}/`, v as Record<string, unknown>, out);
    }
  }
  out.push({ path: prefix, body: names.join('\n') });
}

export function openStackRoutes(svc: OpenStackService): HttpRoute[] {
  const versions = { ...svc.versions };
  const names = Object.keys(versions).sort();
  if (!('latest' in versions)) {
    const newest = names[names.length - 1];
    if (newest !== undefined) versions['latest'] = versions[newest] as OpenStackVersionFiles;
  }
  const routes: HttpRoute[] = [{ path: '/openstack', body: [...names.filter((n) => n !== 'latest'), 'latest'].join('\n') }];
  for (const [v, f] of Object.entries(versions)) {
    const files: [string, string | undefined][] = [
      ['meta_data.json', json(f.meta_data)],
      ['user_data', f.user_data],
      ['vendor_data.json', f.vendor_data === undefined ? undefined : json(f.vendor_data)],
      ['vendor_data2.json', f.vendor_data2 === undefined ? undefined : json(f.vendor_data2)],
      ['network_data.json', f.network_data === undefined ? undefined : json(f.network_data)],
    ];
    const present = files.filter((x): x is [string, string] => x[1] !== undefined);
    routes.push({ path: `/openstack/${v}/`, body: present.map(([n]) => n).join('\n') });
    routes.push({ path: `/openstack/${v}`, body: present.map(([n]) => n).join('\n') });
    for (const [n, body] of present) routes.push({ path: `/openstack/${v}/${n}`, body });
  }
  for (const [n, body] of Object.entries(svc.content ?? {})) routes.push({ path: `/openstack/content/${n}`, body });
  if (svc.ec2) ec2Routes('/latest/meta-data/', svc.ec2, routes);
  return routes;
}
