/**
 * The worker side of a fuzz run: runs inputs through one target's real
 * parser and answers with a verdict and the time taken. The main thread is
 * the watchdog (it terminates this worker when an input runs too long).
 *
 * Coverage: V8 block coverage through node:inspector, taken once per window
 * of inputs. When a window reached code no earlier window did, its inputs
 * are run again one at a time to find which did; those join the corpus.
 */
import { Session } from 'node:inspector';
import { parentPort, workerData } from 'node:worker_threads';
import { describeError, type Verdict } from './oracle.ts';
import { REPO_DIR } from './seeds.ts';
import { targetByName } from './targets/index.ts';

export type ToWorker = { type: 'run'; id: number; input: Uint8Array } | { type: 'coverage' } | { type: 'reach' };
export type FromWorker =
  | { type: 'ready' }
  /** `ms` is wall time; `cpuMs` the process's CPU time meanwhile (this worker's, the main thread waits), which a loaded machine does not inflate. */
  | { type: 'result'; id: number; verdict: Verdict; ms: number; cpuMs: number }
  | { type: 'coverage'; interesting: number[] }
  | { type: 'reach'; files: { file: string; covered: number; total: number }[] };

export interface WorkerOptions {
  target: string;
  coverage: boolean;
}

interface ScriptCoverage {
  url: string;
  functions: { ranges: { startOffset: number; endOffset: number; count: number }[] }[];
}

const opts = workerData as WorkerOptions;
const port = parentPort!;
const target = targetByName(opts.target);
const srcUrl = `file://${REPO_DIR}/src/`;
const codeUrls = target.code.map((c) => `file://${REPO_DIR}/${c}`);

const session = new Session();
const post = <T>(method: string, params: object = {}): Promise<T> =>
  new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res as T))));

/** Blocks ("url:start:end") any input has executed so far. */
const seenBlocks = new Set<string>();
/** Per file under the target's code: which bytes of the (transpiled) script ever ran. */
const reached = new Map<string, Uint8Array>();
const windowInputs: { id: number; input: Buffer }[] = [];

async function takeCoverage(): Promise<ScriptCoverage[]> {
  const r = await post<{ result: ScriptCoverage[] }>('Profiler.takePreciseCoverage');
  return r.result.filter((s) => s.url.startsWith(srcUrl));
}

function executedBlocks(cov: readonly ScriptCoverage[]): string[] {
  const out: string[] = [];
  for (const s of cov) for (const f of s.functions) for (const r of f.ranges) if (r.count > 0) out.push(`${s.url}:${r.startOffset}:${r.endOffset}`);
  return out;
}

/** Record which bytes ran: V8 lists a function's range first, then nested blocks, each with its own count. */
function recordReach(cov: readonly ScriptCoverage[]): void {
  for (const s of cov) {
    if (!codeUrls.some((u) => s.url.startsWith(u))) continue;
    const len = Math.max(0, ...s.functions.flatMap((f) => f.ranges.map((r) => r.endOffset)));
    let bytes = reached.get(s.url);
    if (!bytes || bytes.length < len) {
      const grown = new Uint8Array(len);
      if (bytes) grown.set(bytes);
      reached.set(s.url, (bytes = grown));
    }
    const ran = new Uint8Array(len);
    const sorted = s.functions.flatMap((f) => f.ranges).sort((a, b) => a.startOffset - b.startOffset || b.endOffset - a.endOffset);
    for (const r of sorted) ran.fill(r.count > 0 ? 1 : 0, r.startOffset, r.endOffset);
    for (let i = 0; i < len; i++) if (ran[i]) bytes[i] = 1;
  }
}

async function runOne(input: Buffer): Promise<Verdict> {
  try {
    return await target.run(input);
  } catch (e) {
    return { kind: 'crash', reason: `the target itself threw: ${describeError(e)}` };
  }
}

async function onCoverage(): Promise<number[]> {
  const cov = await takeCoverage();
  recordReach(cov);
  const fresh = new Set(executedBlocks(cov).filter((b) => !seenBlocks.has(b)));
  const interesting: number[] = [];
  if (fresh.size > 0) {
    for (const { id, input } of windowInputs) {
      await runOne(input);
      const mine = executedBlocks(await takeCoverage()).filter((b) => fresh.has(b));
      if (mine.length > 0) {
        interesting.push(id);
        for (const b of mine) fresh.delete(b);
      }
      if (fresh.size === 0) break;
    }
    for (const b of executedBlocks(cov)) seenBlocks.add(b);
  }
  windowInputs.length = 0;
  return interesting;
}

async function main(): Promise<void> {
  if (opts.coverage) {
    session.connect();
    await post('Profiler.enable');
    await post('Profiler.startPreciseCoverage', { callCount: false, detailed: true });
  }
  port.on('message', (msg: ToWorker) => {
    void (async () => {
      if (msg.type === 'run') {
        const input = Buffer.from(msg.input.buffer, msg.input.byteOffset, msg.input.byteLength);
        const t0 = process.hrtime.bigint();
        const c0 = process.cpuUsage();
        const verdict = await runOne(input);
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        const c = process.cpuUsage(c0);
        const cpuMs = (c.user + c.system) / 1000;
        if (opts.coverage) windowInputs.push({ id: msg.id, input });
        port.postMessage({ type: 'result', id: msg.id, verdict, ms, cpuMs } satisfies FromWorker);
      } else if (msg.type === 'coverage') {
        const interesting = opts.coverage ? await onCoverage() : [];
        port.postMessage({ type: 'coverage', interesting } satisfies FromWorker);
      } else {
        if (opts.coverage) recordReach(await takeCoverage());
        const files = [...reached].map(([url, bytes]) => ({ file: url.slice(`file://${REPO_DIR}/`.length), covered: bytes.reduce((a, b) => a + b, 0), total: bytes.length }));
        port.postMessage({ type: 'reach', files } satisfies FromWorker);
      }
    })();
  });
  port.postMessage({ type: 'ready' } satisfies FromWorker);
}

void main();
