/**
 * What an activator is: a way to make the network service of the target
 * apply the files stratus just wrote. Activators see the target through a
 * small context (files, log, command runner) so they do not depend on the
 * stages that call them.
 */
import type { CommandResult } from '../../host/exec.ts';
import type { Log } from '../../host/log.ts';
import type { RootFs } from '../../host/root-fs.ts';
import type { OutputKind } from '../render/for-target.ts';

export type ActivatorName = 'network-manager' | 'networkd' | 'netplan' | 'ifupdown' | 'network-scripts';

export interface ActivationContext {
  fs: RootFs;
  log: Pick<Log, 'debug' | 'info' | 'warn' | 'error'>;
  /** Runs (or, when planning or under another root, only records) a command on the target. */
  run(argv: readonly string[], timeoutMs: number): CommandResult;
}

export interface BringUpRequest {
  /** The renderer whose files were written. */
  renderer: OutputKind;
  /** Absolute target paths of the files whose content changed in this write. */
  writtenFiles: readonly string[];
  /** Every configured interface (no loopback), in config order. */
  interfaces: readonly string[];
  /** The interfaces whose own files changed (a subset of `interfaces`). */
  changedLinks: readonly string[];
}

export interface Activator {
  name: ActivatorName;
  /** Renderers whose files this activator can bring up. */
  renderers: readonly OutputKind[];
  /** Whether the target has the tools (looked up under the target root). */
  available(ctx: ActivationContext): boolean;
  /** Returns false when a step failed (each failure is logged). */
  bringUp(ctx: ActivationContext, req: BringUpRequest): boolean;
}
