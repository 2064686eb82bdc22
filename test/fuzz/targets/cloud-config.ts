/**
 * cloud-config as `stratus schema` and the init stage read it: the YAML
 * loader, schema validation (checkCloudConfigText) and the merge of config
 * layers (mergeConfigs), which must not let a key such as "__proto__"
 * reach Object.prototype.
 */
import { join } from 'node:path';
import { mergeConfigs } from '../../../src/config/merge.ts';
import { checkCloudConfigText } from '../../../src/config/schema/inputs.ts';
import { isMapping } from '../../../src/text/reader.ts';
import { loadYaml } from '../../../src/text/yaml.ts';
import { ACCEPTED, crash, describeError, diagnosticsProblem, rejection, type Verdict } from '../oracle.ts';
import { filesUnder, OWN_SEEDS, readAll, REPO_DIR } from '../seeds.ts';
import { treeGenerator, type FuzzTarget } from '../target.ts';

const SOURCE = 'user-data';
const BASE = { users: ['default'], datasource_list: ['NoCloud', 'None'], system_info: { distro: 'debian', default_user: { name: 'debian' } } };

function run(input: Buffer): Verdict {
  const text = input.toString('utf8');
  try {
    const report = checkCloudConfigText(text, SOURCE);
    const all = [...report.errors, ...report.deprecations, ...report.warnings];
    const loaded = loadYaml(text, SOURCE);
    if (loaded.doc && isMapping(loaded.doc.value)) {
      const merged = mergeConfigs([loaded.doc.value, BASE]);
      mergeConfigs([BASE, loaded.doc.value, merged]);
      if (({} as Record<string, unknown>)['polluted'] !== undefined || Object.keys(Object.prototype).length > 0) return crash('merging reached Object.prototype');
    }
    if (report.errors.length > 0) return rejection(report.errors, SOURCE);
    const p = diagnosticsProblem(all, SOURCE);
    return p ? crash(p) : ACCEPTED;
  } catch (e) {
    return crash(describeError(e));
  }
}

export const cloudConfig: FuzzTarget = {
  name: 'cloud-config',
  description: 'cloud-config: YAML loader + schema validation (checkCloudConfigText) + mergeConfigs',
  code: ['src/text/yaml', 'src/config/'],
  seeds: () => readAll([...filesUnder(join(REPO_DIR, 'test/config/corpus'), /\.yaml$/), ...filesUnder(OWN_SEEDS, /cloud-config.*\.yaml$/)]),
  generator: (seeds) => treeGenerator(seeds, 'yaml', '#cloud-config\n'),
  run,
};
