/**
 * identify's outputs on the target, where cloud-init's generator and stages
 * look for them, and the cached code a later stage of the same boot reuses.
 */
import type { FileWrite, RootFs } from '../host/root-fs.ts';
import { paths } from '../stages/paths.ts';
import type { IdentifyCode, IdentifyResult } from './types.ts';

/**
 * Write the result for the generator and the stages: the datasource list
 * (/run/cloud-init/cloud.cfg), the code (.ds-identify.result), the log
 * (appended, as ds-identify does across runs of one boot) and the
 * enabled/disabled marker.
 */
export function writeIdentifyResult(fs: RootFs, result: IdentifyResult): void {
  const previousLog = fs.readText(paths.dsIdentifyLog) ?? '';
  const files: FileWrite[] = [];
  if (result.cloudCfgText !== null) files.push({ path: paths.runCloudCfg, content: result.cloudCfgText, mode: 0o644 });
  // A list from an earlier run of this boot must not outlive a result that writes none.
  else fs.remove(paths.runCloudCfg);
  files.push(
    { path: paths.dsIdentifyLog, content: previousLog + result.log.map((l) => `${l}\n`).join(''), mode: 0o644 },
    { path: result.code === 0 ? paths.runEnabled : paths.runDisabled, content: '', mode: 0o644 },
  );
  fs.writeFiles(files);
  fs.remove(result.code === 0 ? paths.runDisabled : paths.runEnabled);
  // The code last, on its own: a later run of this boot takes it as "identified" and writes nothing
  // more, so it must not be there before the rest is (each file is replaced atomically, a set is not).
  fs.writeFiles([{ path: paths.dsIdentifyResult, content: `${result.code}\n`, mode: 0o644 }]);
}

/** The code of an earlier identify run in this boot (the generator's), or null when there is none. */
export function readCachedIdentify(fs: RootFs): IdentifyCode | null {
  const text = fs.readText(paths.dsIdentifyResult)?.trim();
  return text === '0' ? 0 : text === '1' ? 1 : text === '2' ? 2 : null;
}
