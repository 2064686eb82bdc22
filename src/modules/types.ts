/** What a config module is and what it gets to work with. */
import type { SchemaFragment } from '../config/schema/types.ts';
import type { Crawled } from '../sources/types.ts';
import type { StageContext } from '../stages/context.ts';
import type { Mapping } from '../text/reader.ts';

/** cloud-init's frequencies: once per instance, every time the stage runs, once ever. */
export type Frequency = 'once-per-instance' | 'always' | 'once';

export interface ModuleContext {
  ctx: StageContext;
  /** The merged config modules see (user cloud-config over vendor over system). */
  cfg: Mapping;
  instance: Crawled;
  isNewInstance: boolean;
  distro: string;
  /** Arguments given in the module list entry. */
  args: unknown[];
}

export interface ConfigModule {
  /** cloud-init's module name, e.g. "set_hostname". */
  name: string;
  frequency: Frequency;
  /** The cloud-config keys the module reads (its part of the schema). */
  schema?: SchemaFragment;
  /** The module runs only when the config has one of these keys (cloud-init's activate_by_schema_keys). */
  activateBy?: string[];
  /** Distros it supports (cloud-init's `distros`); absent: all. */
  distros?: string[];
  run(m: ModuleContext): void | Promise<void>;
}

/** A module's failure that should be shown as it is (no stack trace). */
export class ModuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModuleError';
  }
}
