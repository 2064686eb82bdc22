/**
 * The top-level keys no config module reads but the agent itself does
 * (system config: datasources, module lists, logging, user-data handling).
 * They belong to the schema so `stratus schema --system` does not call a
 * stock cloud.cfg's keys unknown. Loose on purpose where the agent passes a
 * value through or another part validates it (network: src/net/ has its own
 * located parser; datasource: each source reads its own settings).
 */
import type { JsonSchema, SchemaFragment } from './types.ts';

const stringList: JsonSchema = { type: 'array', items: { type: 'string' } };
const stringOrList: JsonSchema = { oneOf: [{ type: 'string' }, stringList] };

export const BASE_FRAGMENT: SchemaFragment = {
  $defs: {
    module_list: {
      type: 'array',
      items: {
        oneOf: [
          { type: 'string' },
          // [name, frequency, args...]
          { type: 'array', minItems: 1, items: {} },
          {
            type: 'object',
            required: ['name'],
            properties: { name: { type: 'string' }, frequency: { type: 'string' }, args: { type: 'array' } },
          },
        ],
      },
    },
    vendor_data: {
      type: 'object',
      properties: {
        enabled: {
          oneOf: [
            { type: 'boolean' },
            // cloud-init still reads the old string spelling, and calls it deprecated.
            { type: 'string', enum: ['true', 'false', 'True', 'False'], deprecated: true, deprecated_version: '22.3', deprecated_description: 'Use a boolean value instead.' },
          ],
        },
        prefix: stringOrList,
      },
      additionalProperties: false,
    },
    merge_how: {
      oneOf: [
        { type: 'string' },
        {
          type: 'array',
          items: {
            type: 'object',
            required: ['name'],
            properties: { name: { type: 'string', enum: ['list', 'dict', 'str'] }, settings: stringList },
            additionalProperties: false,
          },
        },
      ],
    },
  },
  properties: {
    datasource_list: { ...stringList, description: 'The datasources to try, in order.' },
    datasource: { type: 'object', description: 'Settings per datasource, by datasource name.' },
    cloud_init_modules: { $ref: '#/$defs/module_list' },
    cloud_config_modules: { $ref: '#/$defs/module_list' },
    cloud_final_modules: { $ref: '#/$defs/module_list' },
    system_info: { type: 'object', description: 'Distro, default user, paths, network renderers.' },
    network: { type: 'object', description: 'Network config (v1 or v2) or {config: disabled}; validated by the network parser.' },
    updates: { type: 'object' },
    manual_cache_clean: { type: 'boolean' },
    // vendor_data itself is scripts_vendor's key (src/modules/scripts.ts); nothing reads vendor data 2 scripts yet.
    vendor_data2: { $ref: '#/$defs/vendor_data' },
    allow_userdata: { type: 'boolean' },
    disable_network_activation: { type: 'boolean' },
    unverified_modules: stringList,
    syslog_fix_perms: { oneOf: [{ type: 'null' }, { type: 'string' }, stringList] },
    def_log_file: { type: 'string' },
    log_cfgs: { type: 'array' },
    output: { type: 'object' },
    reporting: { type: 'object' },
    di_report: { type: 'object' },
    merge_how: { $ref: '#/$defs/merge_how' },
    merge_type: { $ref: '#/$defs/merge_how' },
    'launch-index': { type: 'integer' },
  },
};
