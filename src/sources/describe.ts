import type { Crawled } from './types.ts';

/** cloud-init's str(datasource), which status.json and `status --long` show. */
export function describeDatasource(c: Crawled): string {
  const seed = c.subplatform.replace(/^[a-z-]+ \((.*)\)$/, '$1');
  return `DataSource${c.dsname} [seed=${seed}][dsmode=${c.dsmode}]`;
}
