/**
 * One fuzz target: how its seeds are found and mutated (main thread), and
 * how one input runs through the real parser and is judged (worker).
 */
import { loadYaml } from '../../src/text/yaml.ts';
import { mutateBytes } from './mutate-bytes.ts';
import { buildDictionary, mutateTree, type Dictionary } from './mutate-tree.ts';
import { mutateText, textDictionary } from './mutate-text.ts';
import type { Verdict } from './oracle.ts';
import type { Rng } from './rng.ts';
import { clone, toJson, toNode, toYaml, type Node } from './tree.ts';

export type { Verdict } from './oracle.ts';

export type Generate = (rng: Rng, corpus: readonly Buffer[]) => Buffer;

export interface FuzzTarget {
  name: string;
  /** What runs, for the report. */
  description: string;
  /** Source paths (relative to the repository) whose code the run's reach is measured on. */
  code: readonly string[];
  /** Real seed inputs (read in the main thread). */
  seeds(): Buffer[];
  /** The input generator, given the seeds. */
  generator(seeds: readonly Buffer[]): Generate;
  /** Run one input through the real parser (in the worker). */
  run(input: Buffer): Verdict | Promise<Verdict>;
}

/**
 * Parse each corpus entry once into a tree (YAML/JSON through the project's
 * own loader, which reads both), mutate a copy, serialize as JSON or YAML,
 * sometimes mutate bytes too. Entries that do not parse are byte-mutated.
 */
export function treeGenerator(seeds: readonly Buffer[], format: 'json' | 'yaml' | 'either', header = ''): Generate {
  const trees = new Map<Buffer, Node | null>();
  const treeOf = (b: Buffer): Node | null => {
    let t = trees.get(b);
    if (t === undefined) {
      const text = b.toString('utf8');
      const loaded = text.length < 2_000_000 ? loadYaml(text, 'seed') : { doc: undefined };
      t = loaded.doc ? toNode(loaded.doc.value) : null;
      trees.set(b, t);
    }
    return t;
  };
  const dict: Dictionary = buildDictionary(seeds.map(treeOf).filter((t): t is Node => t !== null));
  return (rng, corpus) => {
    const base = rng.pick(corpus);
    const tree = treeOf(base);
    if (!tree || rng.chance(0.08)) return mutateBytes(base, rng, corpus);
    let t = clone(tree);
    const n = 1 + rng.small(5);
    const yaml = format === 'yaml' || (format === 'either' && rng.chance(0.5));
    for (let i = 0; i < n; i++) t = mutateTree(t, rng, dict, yaml);
    const text = header + (yaml ? toYaml(t, rng) : toJson(t, rng, rng.chance(0.5)));
    const out = Buffer.from(text);
    return rng.chance(0.25) ? mutateBytes(out, rng, corpus) : out;
  };
}

/** Line/token mutation for line-oriented formats. */
export function textGenerator(seeds: readonly Buffer[]): Generate {
  const dict = textDictionary(seeds);
  return (rng, corpus) => mutateText(rng.pick(corpus), rng, dict, corpus);
}
