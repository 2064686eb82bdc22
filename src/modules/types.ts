/** What a config module is and what it gets to work with. */
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
  run(m: ModuleContext): void | Promise<void>;
}

/** A module's failure that should be shown as it is (no stack trace). */
export class ModuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModuleError';
  }
}
