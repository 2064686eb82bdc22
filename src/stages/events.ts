/**
 * Timing records in the log, as cloud-init's reporting events are: DEBUG
 * lines `start: <stage>/<name>: <description>` and `finish: <stage>/<name>:
 * SUCCESS|WARN|FAIL: <message>` around a step. `stratus analyze` rebuilds the
 * boot from them. Hotplug contexts record none (they are no boot stage).
 */
import type { ContextName, StageContext } from './context.ts';

export type EventResult = 'SUCCESS' | 'WARN' | 'FAIL';

/** What a step may say as it ends: cloud-init's finish message and result. */
export interface Finish {
  message: string;
  result: EventResult;
}

/** The event name of a stage, as cloud-init spells it (the network stage is `init-network`). */
export function stageEventName(stage: ContextName): string | null {
  if (stage === 'hotplug') return null;
  return stage === 'init' ? 'init-network' : stage;
}

function fullName(ctx: StageContext, name: string | null): string | null {
  const stage = stageEventName(ctx.stage);
  if (stage === null) return null;
  return name === null ? stage : `${stage}/${name}`;
}

export function startText(name: string, description: string): string {
  return `start: ${name}: ${description}`;
}

export function finishText(name: string, result: EventResult, message: string): string {
  return `finish: ${name}: ${result}: ${message}`;
}

/** The start of the stage itself (name null) or of one of its steps. */
export function eventStart(ctx: StageContext, name: string | null, description: string): void {
  const full = fullName(ctx, name);
  if (full !== null) ctx.log.debug(startText(full, description));
}

export function eventFinish(ctx: StageContext, name: string | null, result: EventResult, message: string): void {
  const full = fullName(ctx, name);
  if (full !== null) ctx.log.debug(finishText(full, result, message));
}

function failMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Runs `fn` between a start and a finish event. `fn` may change the finish
 * message or result through the object it is given; a throw is FAIL (and
 * rethrown).
 */
export async function span<T>(ctx: StageContext, name: string, description: string, fn: (finish: Finish) => Promise<T>): Promise<T> {
  const finish: Finish = { message: description, result: 'SUCCESS' };
  eventStart(ctx, name, description);
  try {
    const value = await fn(finish);
    eventFinish(ctx, name, finish.result, finish.message);
    return value;
  } catch (e) {
    eventFinish(ctx, name, 'FAIL', failMessage(e));
    throw e;
  }
}

/** span() for a step that does not wait. */
export function spanSync<T>(ctx: StageContext, name: string, description: string, fn: (finish: Finish) => T): T {
  const finish: Finish = { message: description, result: 'SUCCESS' };
  eventStart(ctx, name, description);
  try {
    const value = fn(finish);
    eventFinish(ctx, name, finish.result, finish.message);
    return value;
  } catch (e) {
    eventFinish(ctx, name, 'FAIL', failMessage(e));
    throw e;
  }
}
