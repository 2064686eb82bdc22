/**
 * A password the platform offers for the default user (CloudStack's
 * password server), asked for in the config stage: the default user exists
 * by then, and the VR is reached through the OS network. A per-instance
 * marker (sem/platform_password) tells the datasource whether it was asked
 * before; it is written once the service answered and an offered password
 * was set, so a failure is retried on the next boot. The password is hashed and set like set_passwords does (not
 * expired: the operator handed it out to be used), PasswordAuthentication
 * is turned on unless the user's config says otherwise (cloud-init's
 * datasource config `ssh_pwauth: true`), and only then acknowledged: a
 * password that could not be set is offered again on the next boot.
 *
 * The user's own `password` / `chpasswd` (set_passwords, later in this
 * stage, first boot only) still wins, as the datasource's config is the
 * lowest in cloud-init's merge.
 */
import { defaultUserName, applyPasswords } from '../modules/accounts.ts';
import { reloadSshd, updateSshdConfig } from '../modules/set-passwords.ts';
import { loadSource } from '../sources/index.ts';
import type { Crawled } from '../sources/types.ts';
import type { Mapping } from '../text/reader.ts';
import { crawlContext, mayTouchNetwork, type StageContext } from './context.ts';
import { instanceDir } from './paths.ts';

export async function applyPlatformPassword(ctx: StageContext, cfg: Mapping, instance: Crawled, distro: string): Promise<void> {
  const source = await loadSource(instance.dsname);
  if (!source?.platformPassword) return;
  if (!mayTouchNetwork(ctx)) {
    ctx.log.debug(`${instance.dsname}: the platform's password service is asked only on the instance's own network`);
    return;
  }
  const marker = `${instanceDir(instance.instanceId)}/sem/platform_password`;
  let offered;
  try {
    offered = await source.platformPassword(crawlContext(ctx, cfg, 'network'), instance, ctx.fs.kind(marker) !== null);
  } catch (e) {
    ctx.log.warn(`${instance.dsname}: ${(e as Error).message}; the default user's password is unchanged`);
    return;
  }
  const asked = () => {
    if (ctx.fs.kind(marker) === null) ctx.fs.writeFiles([{ path: marker, content: `${process.pid}: ${Math.floor(Date.now() / 1000)}\n`, mode: 0o644 }]);
  };
  if (!offered) {
    asked();
    return;
  }
  const user = defaultUserName(cfg);
  if (!user) {
    ctx.log.warn(`${offered.source}: a password is offered, but there is no default user to set it for; not acknowledged`);
    return;
  }
  const { applied } = await applyPasswords(ctx, [{ user, plain: offered.password }], offered.source);
  if (!applied) {
    ctx.log.warn(`${offered.source}: the password of ${user} was not set; not acknowledged (it is asked for again on the next boot)`);
    return;
  }
  asked();
  if (cfg['ssh_pwauth'] === undefined || cfg['ssh_pwauth'] === null) {
    const changed = updateSshdConfig(ctx, { PasswordAuthentication: 'yes' });
    if (changed) reloadSshd({ ctx, cfg, instance, isNewInstance: false, distro, args: [] });
  }
  try {
    await offered.acknowledge();
    ctx.log.info(`${offered.source}: password acknowledged`);
  } catch (e) {
    ctx.log.warn(`${(e as Error).message}; the password is set; the server still offers it`);
  }
}
