/**
 * The main thread of a fuzz run: generates inputs from a seeded PRNG,
 * hands each to a worker running the target, and is the watchdog. An input
 * still running after `hangMs` is a hang: the worker is terminated, the
 * input saved and run once more in a fresh worker to confirm, and the run
 * goes on with a new worker. Crashes are saved with their reason, so each is
 * reproducible from the file (and from seed + index: input N of a run is a
 * function of the seed, N and the corpus, which the same seed rebuilds).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Verdict } from './oracle.ts';
import { Rng } from './rng.ts';
import type { FuzzTarget } from './target.ts';
import type { FromWorker, ToWorker, WorkerOptions } from './worker.ts';

const BOOT = new URL('./worker-boot.mjs', import.meta.url);
/**
 * Inputs larger than this are cut. It is the limit the CLI puts on a network
 * config ("larger than 1 MiB"): beyond it an input is refused before any
 * parser sees it, and a 4 MiB input only measures how fast text is scanned.
 */
export const MAX_INPUT = 1024 * 1024;
const CORPUS_LIMIT = 3000;
const CORPUS_MAX_INPUT = 64 * 1024;

export interface Finding {
  index: number;
  kind: 'crash' | 'hang';
  reason: string;
  /** Where the input was saved. */
  file?: string;
}

export interface TargetStats {
  target: string;
  seed: string;
  inputs: number;
  accepted: number;
  rejected: number;
  crashes: number;
  hangs: number;
  /** Distinct crash and hang reasons, with the first inputs that showed them. */
  findings: Finding[];
  slowestMs: number;
  slowestIndex: number;
  seeds: number;
  corpusAdded: number;
  /** Share of the target's code (bytes of its transpiled scripts) any input ran; undefined without coverage. */
  reach?: { covered: number; total: number; files: number };
  wallMs: number;
}

export interface RunOptions {
  seed: string;
  count: number;
  hangMs?: number;
  coverage?: boolean;
  /** Inputs per coverage sample. */
  window?: number;
  /** Where crashing and hanging inputs are written (a folder per target). */
  saveDir?: string;
  log?: (line: string) => void;
}

/** A worker with a request/answer channel and a deadline per request. */
class TargetWorker {
  private worker: Worker;
  private ready: Promise<void>;
  private waiting: ((m: FromWorker) => void) | undefined;
  private failure: ((e: Error) => void) | undefined;

  constructor(target: string, coverage: boolean) {
    this.worker = new Worker(BOOT, { workerData: { target, coverage } satisfies WorkerOptions, resourceLimits: { maxOldGenerationSizeMb: 1024, stackSizeMb: 4 } });
    this.ready = new Promise((resolve, reject) => {
      this.waiting = () => resolve();
      this.failure = reject;
    });
    this.worker.on('message', (m: FromWorker) => {
      const w = this.waiting;
      this.waiting = undefined;
      w?.(m);
    });
    this.worker.on('error', (e) => this.failure?.(e));
    this.worker.on('exit', (code) => this.failure?.(new Error(`the fuzz worker exited (code ${code})`)));
  }

  async start(): Promise<void> {
    await this.ready;
  }

  /** The answer, or 'timeout' after `ms`. */
  request(msg: ToWorker, ms: number, transfer: ArrayBuffer[] = []): Promise<FromWorker | 'timeout' | Error> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        this.failure = undefined;
        resolve('timeout');
      }, ms);
      this.waiting = (m) => {
        clearTimeout(timer);
        this.failure = undefined;
        resolve(m);
      };
      this.failure = (e) => {
        clearTimeout(timer);
        this.waiting = undefined;
        this.failure = undefined;
        resolve(e);
      };
      this.worker.postMessage(msg, transfer);
    });
  }

  async stop(): Promise<void> {
    this.failure = undefined;
    this.waiting = undefined;
    await this.worker.terminate();
  }
}

/** "TypeError: x of undefined @ at f (file:...:12:3)" → one signature per place, whatever the input. */
function signature(reason: string): string {
  return reason.replace(/:\d+:\d+\)/g, ')').replace(/"[^"]*"/g, '""').replace(/\d+/g, 'N').slice(0, 400);
}

export async function runTarget(target: FuzzTarget, opts: RunOptions): Promise<TargetStats> {
  const t0 = Date.now();
  const hangMs = opts.hangMs ?? 1000;
  const coverage = opts.coverage ?? true;
  const windowSize = opts.window ?? 32;
  const log = opts.log ?? (() => {});
  const seeds = target.seeds();
  if (seeds.length === 0) throw new Error(`${target.name}: no seed inputs found`);
  const corpus: Buffer[] = [...seeds];
  const generate = target.generator(seeds);
  const stats: TargetStats = {
    target: target.name, seed: opts.seed, inputs: 0, accepted: 0, rejected: 0, crashes: 0, hangs: 0, findings: [],
    slowestMs: 0, slowestIndex: -1, seeds: seeds.length, corpusAdded: 0, wallMs: 0,
  };
  const bySignature = new Map<string, number>();
  const save = (index: number, input: Buffer, kind: string, reason: string): string | undefined => {
    if (!opts.saveDir) return undefined;
    const dir = join(opts.saveDir, target.name);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${kind}-${opts.seed}-${index}.bin`);
    writeFileSync(file, input);
    writeFileSync(`${file}.txt`, `target ${target.name}, seed ${opts.seed}, input ${index}: ${kind}\n${reason}\n`);
    return file;
  };
  const note = (index: number, input: Buffer, kind: 'crash' | 'hang', reason: string): void => {
    if (kind === 'crash') stats.crashes++;
    else stats.hangs++;
    const sig = `${kind}:${signature(reason)}`;
    const seen = bySignature.get(sig) ?? 0;
    bySignature.set(sig, seen + 1);
    if (seen >= 2) return; // keep the first few of each kind of failure
    const file = save(index, input, kind, reason);
    stats.findings.push({ index, kind, reason, ...(file ? { file } : {}) });
    log(`  ${target.name} input ${index}: ${kind}: ${reason.slice(0, 300)}${file ? ` (saved ${file})` : ''}`);
  };

  let worker = new TargetWorker(target.name, coverage);
  await worker.start();
  const window = new Map<number, Buffer>();
  try {
    for (let i = 0; i < opts.count; i++) {
      const rng = new Rng(opts.seed, target.name, i);
      let input: Buffer;
      try {
        input = generate(rng, corpus);
      } catch {
        // A mutant too large to build (a string past V8's limit): mutate a seed instead, still from this input's stream.
        input = generate(new Rng(opts.seed, target.name, i, 'again'), seeds);
      }
      if (input.length > MAX_INPUT) input = input.subarray(0, MAX_INPUT);
      const copy = Uint8Array.from(input);
      const answer = await worker.request({ type: 'run', id: i, input: copy }, hangMs, [copy.buffer]);
      stats.inputs++;
      if (answer === 'timeout' || answer instanceof Error) {
        await worker.stop();
        // Confirm in a fresh worker with a long deadline: a loaded machine can stall one input.
        const again = new TargetWorker(target.name, false);
        await again.start();
        // Warm it with the seeds first: a fresh worker's first input also pays for compiling the parser.
        for (const s of seeds.slice(0, 8)) {
          const warm = Uint8Array.from(s);
          await again.request({ type: 'run', id: -1, input: warm }, 30_000, [warm.buffer]);
        }
        const retry = Uint8Array.from(input);
        const second = await again.request({ type: 'run', id: i, input: retry }, Math.max(10 * hangMs, 10_000), [retry.buffer]);
        await again.stop();
        if (answer instanceof Error) note(i, input, 'crash', `the worker died: ${answer.message}`);
        else if (second === 'timeout') note(i, input, 'hang', `ran over ${hangMs} ms, and over ${Math.max(10 * hangMs, 10_000)} ms when run again`);
        else if (second instanceof Error) note(i, input, 'crash', `the worker died: ${second.message}`);
        else if (second.type === 'result' && Math.min(second.ms, second.cpuMs) > hangMs) note(i, input, 'hang', `ran over ${hangMs} ms (${second.ms.toFixed(0)} ms, ${second.cpuMs.toFixed(0)} ms of CPU when run again)`);
        else if (second.type === 'result') {
          // On a loaded machine wall time stretches, CPU time does not: under the bound in either is no hang.
          log(`  ${target.name} input ${i}: over ${hangMs} ms once; run again ${second.ms.toFixed(1)} ms, ${second.cpuMs.toFixed(1)} ms of CPU (a stall of the machine, not counted)`);
          if (second.verdict.kind === 'accepted') stats.accepted++;
          else if (second.verdict.kind === 'rejected') stats.rejected++;
          else note(i, input, 'crash', second.verdict.reason);
        }
        worker = new TargetWorker(target.name, coverage);
        await worker.start();
        window.clear();
        continue;
      }
      if (answer.type !== 'result') throw new Error(`unexpected answer ${answer.type}`);
      const v: Verdict = answer.verdict;
      if (v.kind === 'accepted') stats.accepted++;
      else if (v.kind === 'rejected') stats.rejected++;
      else note(i, input, 'crash', v.reason);
      if (answer.ms > stats.slowestMs) {
        stats.slowestMs = answer.ms;
        stats.slowestIndex = i;
      }
      if (coverage) {
        window.set(i, input);
        if (window.size >= windowSize) {
          const c = await worker.request({ type: 'coverage' }, 120_000);
          if (typeof c === 'object' && !(c instanceof Error) && c.type === 'coverage') {
            for (const id of c.interesting) {
              const found = window.get(id);
              // Small inputs only: mutants of a 1 MiB input are slow to run and reach nothing a small one would not.
              if (!found || found.length > CORPUS_MAX_INPUT) continue;
              if (corpus.length >= CORPUS_LIMIT) corpus.splice(seeds.length + rng.int(corpus.length - seeds.length), 1);
              corpus.push(found);
              stats.corpusAdded++;
            }
          }
          window.clear();
        }
      }
      if ((i + 1) % 10_000 === 0) log(`  ${target.name}: ${i + 1}/${opts.count} inputs, ${stats.crashes} crashes, ${stats.hangs} hangs, corpus ${corpus.length}, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
    if (coverage) {
      const r = await worker.request({ type: 'reach' }, 120_000);
      if (typeof r === 'object' && !(r instanceof Error) && r.type === 'reach') {
        stats.reach = { covered: r.files.reduce((a, f) => a + f.covered, 0), total: r.files.reduce((a, f) => a + f.total, 0), files: r.files.length };
      }
    }
  } finally {
    await worker.stop();
  }
  stats.wallMs = Date.now() - t0;
  return stats;
}

/** Run saved inputs (regressions) through a target; the verdict of each, a hang when over `hangMs`. */
export async function replayInputs(target: FuzzTarget, inputs: readonly { name: string; input: Buffer }[], hangMs = 1000): Promise<{ name: string; verdict: Verdict | { kind: 'hang' }; ms: number }[]> {
  const out: { name: string; verdict: Verdict | { kind: 'hang' }; ms: number }[] = [];
  const warmSeeds = target.seeds().slice(0, 8);
  const fresh = async (): Promise<TargetWorker> => {
    const w = new TargetWorker(target.name, false);
    await w.start();
    // A fresh worker's first input also pays for compiling the parser: not the input's time.
    for (const s of warmSeeds) {
      const warm = Uint8Array.from(s);
      await w.request({ type: 'run', id: -1, input: warm }, 30_000, [warm.buffer]);
    }
    return w;
  };
  let worker = await fresh();
  try {
    for (const [i, { name, input }] of inputs.entries()) {
      const copy = Uint8Array.from(input);
      const a = await worker.request({ type: 'run', id: i, input: copy }, hangMs, [copy.buffer]);
      if (a === 'timeout' || a instanceof Error) {
        await worker.stop();
        worker = await fresh();
        if (a instanceof Error) {
          out.push({ name, verdict: { kind: 'crash', reason: a.message }, ms: hangMs });
          continue;
        }
        // Over the bound in wall time: a hang only if its CPU time is over it too (a loaded machine stretches wall time).
        const retry = Uint8Array.from(input);
        const b = await worker.request({ type: 'run', id: i, input: retry }, Math.max(10 * hangMs, 10_000), [retry.buffer]);
        if (b === 'timeout' || b instanceof Error || b.type !== 'result' || Math.min(b.ms, b.cpuMs) > hangMs) {
          out.push({ name, verdict: { kind: 'hang' }, ms: typeof b === 'object' && !(b instanceof Error) && b.type === 'result' ? b.ms : hangMs });
          await worker.stop();
          worker = await fresh();
        } else out.push({ name, verdict: b.verdict, ms: b.ms });
      } else if (a.type === 'result') out.push({ name, verdict: a.verdict, ms: a.ms });
    }
  } finally {
    await worker.stop();
  }
  return out;
}
