/**
 * The config modules stratus has, by cloud-init's name, each loaded only
 * when a stage runs it. Module lists in cloud.cfg name modules; an unknown
 * name is a warning (the boot goes on, the status says degraded).
 */
import type { ConfigModule } from './types.ts';

const LOADERS: Record<string, () => Promise<ConfigModule>> = {
  set_hostname: async () => (await import('./set-hostname.ts')).setHostname,
  update_hostname: async () => (await import('./set-hostname.ts')).updateHostname,
  scripts_per_once: async () => (await import('./scripts.ts')).scriptsPerOnce,
  scripts_per_boot: async () => (await import('./scripts.ts')).scriptsPerBoot,
  scripts_per_instance: async () => (await import('./scripts.ts')).scriptsPerInstance,
  scripts_user: async () => (await import('./scripts.ts')).scriptsUser,
  final_message: async () => (await import('./final-message.ts')).finalMessage,
};

export const KNOWN_MODULES: readonly string[] = Object.keys(LOADERS);

/** cloud-init accepts "cc_set_hostname" and "set-hostname" for "set_hostname". */
export function canonicalModuleName(name: string): string {
  return name.replace(/^cc_/, '').replace(/-/g, '_');
}

export async function loadModule(name: string): Promise<ConfigModule | null> {
  const load = LOADERS[canonicalModuleName(name)];
  return load ? load() : null;
}

/** The module lists stratus runs when the system config names none (what stratus implements). */
export const DEFAULT_MODULE_LISTS: Record<'cloud_init_modules' | 'cloud_config_modules' | 'cloud_final_modules', string[]> = {
  cloud_init_modules: ['set_hostname', 'update_hostname'],
  cloud_config_modules: [],
  cloud_final_modules: ['scripts_per_once', 'scripts_per_boot', 'scripts_per_instance', 'scripts_user', 'final_message'],
};
