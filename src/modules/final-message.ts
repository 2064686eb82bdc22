/**
 * final_message: the line that tells the console the boot is done, with
 * cloud-init's default text and its template keys ($version, $uptime,
 * $timestamp, $datasource, and {{ }} spellings of them).
 */
import { err } from '../host/console.ts';
import { describeDatasource } from '../sources/describe.ts';
import { VERSION } from '../version.ts';
import type { ConfigModule } from './types.ts';

const DEFAULT = 'Cloud-init v. $version finished at $timestamp. Datasource $datasource.  Up $uptime seconds';

export const finalMessage: ConfigModule = {
  name: 'final_message',
  frequency: 'always',
  schema: {
    properties: {
      final_message: { type: 'string', description: 'The text shown when the boot is done; $version, $uptime, $timestamp and $datasource are filled in.' },
    },
  },
  run(m) {
    const template = typeof m.cfg['final_message'] === 'string' ? m.cfg['final_message'] : DEFAULT;
    const values: Record<string, string> = {
      version: `${VERSION} (stratus)`,
      uptime: m.ctx.uptime().toFixed(2),
      timestamp: new Date().toUTCString().replace('GMT', '+0000'),
      datasource: describeDatasource(m.instance),
    };
    const text = template.replace(/\$\{?(\w+)\}?|\{\{\s*(\w+)\s*\}\}/g, (whole, a?: string, b?: string) => values[(a ?? b) as string] ?? whole);
    err(`${text}\n`);
    m.ctx.log.info(text);
  },
};
