/**
 * The first config drive layout (nova before Folsom): meta.js at the root
 * (a JSON object with instance-id, user-data, public-keys, dsmode),
 * etc/network/interfaces (Debian ENI text) and root/.ssh/authorized_keys.
 */
import type { Log } from '../../host/log.ts';
import { parseJson } from '../../text/json.ts';
import { isMapping, type Mapping } from '../../text/reader.ts';
import { DatasourceError, type NetworkConfigInput } from '../types.ts';
import type { OpenStackTree, TreeReader } from '../openstack/tree.ts';

/** cloud-init's instance id for a v1 drive that names none. */
export const V1_DEFAULT_INSTANCE_ID = 'iid-dsconfigdrive';

/** Read a v1 drive; null when there is no meta.js. */
export async function readV1Drive(reader: TreeReader, log: Log): Promise<OpenStackTree | null> {
  const raw = await reader.read('meta.js');
  if (raw === null) return null;
  const where = `${reader.where}: meta.js`;
  const parsed = parseJson(raw.toString('utf8'), where);
  if (!parsed.ok) throw new DatasourceError(parsed.message);
  if (!isMapping(parsed.value)) throw new DatasourceError(`${where} must hold a JSON object`);
  const md: Mapping = { ...parsed.value };
  const iid = md['instance-id'];
  const instanceId = typeof iid === 'string' && iid.trim() !== '' ? iid : V1_DEFAULT_INSTANCE_ID;
  if (/[\0-\x1f/]/.test(instanceId) || instanceId === '.' || instanceId === '..') throw new DatasourceError(`${where}: instance-id ${JSON.stringify(instanceId)} cannot name an instance directory`);
  md['instance-id'] = instanceId;

  if (md['public-keys'] === undefined) {
    const keys = await reader.read('root/.ssh/authorized_keys');
    if (keys !== null) md['public-keys'] = keys.toString('utf8');
  }
  const ud = md['user-data'];
  const userData = typeof ud === 'string' && ud !== '' ? Buffer.from(ud, 'utf8') : null;
  delete md['user-data'];

  const eni = await reader.read('etc/network/interfaces');
  const networkConfig: NetworkConfigInput | null =
    eni !== null && eni.toString('utf8').trim() !== '' ? { source: `${reader.where}: etc/network/interfaces`, kind: 'eni', text: eni.toString('utf8') } : null;

  const dsmode = md['dsmode'];
  let mode: OpenStackTree['dsmode'] = null;
  if (dsmode === 'local' || dsmode === 'net' || dsmode === 'disabled' || dsmode === 'pass') mode = dsmode;
  else if (dsmode !== undefined) log.warn(`${where}: dsmode ${JSON.stringify(dsmode)} is not local, net, pass or disabled; ignored`);

  return {
    version: 'v1',
    instanceId,
    metaData: md,
    userData,
    vendorData: null,
    vendorData2: null,
    networkConfig,
    networkJson: null,
    ec2MetaData: null,
    files: [],
    dsmode: mode,
  };
}
