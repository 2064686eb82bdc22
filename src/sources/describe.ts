import type { Crawled } from './types.ts';

/** cloud-init's str(datasource), which status.json and `status --long` show. */
export function describeDatasource(c: Crawled): string {
  const seed = c.subplatform.replace(/^[a-z-]+ \((.*)\)$/, '$1');
  switch (c.dsname) {
    case 'ConfigDrive':
      // A v2 drive's meta_data.json always has a uuid; a v1 drive's meta.js never does.
      return `DataSourceConfigDrive [${c.dsmode},ver=${typeof c.metaData['uuid'] === 'string' ? 2 : 1}][source=${seed}]`;
    case 'NoCloud':
      return `DataSourceNoCloud [seed=${seed}][dsmode=${c.dsmode}]`;
    default:
      return `DataSource${c.dsname}`;
  }
}
