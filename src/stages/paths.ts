/**
 * Where cloud-init keeps its state, as absolute target paths (resolved under
 * --root by the RootFs). Tools and people rely on these names.
 */
export const CLOUD_DIR = '/var/lib/cloud';
export const RUN_DIR = '/run/cloud-init';

export const paths = {
  instanceLink: `${CLOUD_DIR}/instance`,
  instancesDir: `${CLOUD_DIR}/instances`,
  dataDir: `${CLOUD_DIR}/data`,
  semDir: `${CLOUD_DIR}/sem`,
  seedDir: `${CLOUD_DIR}/seed`,
  scriptsDir: `${CLOUD_DIR}/scripts`,
  handlersDir: `${CLOUD_DIR}/handlers`,
  /** data/instance-id, data/previous-instance-id, data/previous-datasource */
  instanceIdFile: `${CLOUD_DIR}/data/instance-id`,
  previousInstanceIdFile: `${CLOUD_DIR}/data/previous-instance-id`,
  previousDatasourceFile: `${CLOUD_DIR}/data/previous-datasource`,
  statusFile: `${CLOUD_DIR}/data/status.json`,
  resultFile: `${CLOUD_DIR}/data/result.json`,
  /** Every file stratus wrote outside its own state dirs, for `clean`. */
  manifestFile: `${CLOUD_DIR}/data/stratus-manifest.json`,
  runStatusLink: `${RUN_DIR}/status.json`,
  runResultLink: `${RUN_DIR}/result.json`,
  runInstanceId: `${RUN_DIR}/.instance-id`,
  instanceData: `${RUN_DIR}/instance-data.json`,
  instanceDataSensitive: `${RUN_DIR}/instance-data-sensitive.json`,
  combinedCloudConfig: `${RUN_DIR}/combined-cloud-config.json`,
  runCloudCfg: `${RUN_DIR}/cloud.cfg`,
  dsIdentifyResult: `${RUN_DIR}/.ds-identify.result`,
  dsIdentifyLog: `${RUN_DIR}/ds-identify.log`,
  runEnabled: `${RUN_DIR}/enabled`,
  runDisabled: `${RUN_DIR}/disabled`,
  runSemDir: `${RUN_DIR}/sem`,
  runNetworkConfig: `${RUN_DIR}/network-config.json`,
  skipNetwork: `${RUN_DIR}/.skip-network`,
  cloudIdLink: `${RUN_DIR}/cloud-id`,
  etcCloudCfg: '/etc/cloud/cloud.cfg',
  etcCloudCfgD: '/etc/cloud/cloud.cfg.d',
  disabledMarker: '/etc/cloud/cloud-init.disabled',
  dsIdentifyCfg: '/etc/cloud/ds-identify.cfg',
  kernelCmdline: '/proc/cmdline',
  logFile: '/var/log/cloud-init.log',
} as const;

/** The instance dir for an instance id ("/" cannot be part of a name). */
export function instanceDir(instanceId: string): string {
  return `${CLOUD_DIR}/instances/${instanceId.replace(/\//g, '_')}`;
}
