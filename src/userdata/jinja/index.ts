/**
 * A small Jinja subset for `## template: jinja` user-data: variables with
 * dotted and subscript access, the filters templates use in practice,
 * if/elif/else, for, set, comments and whitespace control. cloud-init
 * renders with trim_blocks, and so does this. Loaded only for a template.
 */
import { isMapping } from '../../text/reader.ts';
import { parseTemplate } from './parser.ts';
import { Renderer } from './render.ts';

export { JinjaError } from './errors.ts';

/**
 * Instance data with every hyphenated key also reachable with underscores
 * (`v1.local_hostname`, `ds.meta_data`), as cloud-init offers it to templates.
 */
export function templateData(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(data)) {
    const v = data[key];
    const converted = isMapping(v) ? templateData(v) : v;
    Object.defineProperty(out, key, { value: converted, enumerable: true, writable: true, configurable: true });
    const alias = key.replace(/-/g, '_');
    if (alias !== key && !Object.prototype.hasOwnProperty.call(data, alias)) Object.defineProperty(out, alias, { value: converted, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Renders a template; throws JinjaError (with the template line) for a syntax or render error. */
export function renderJinja(template: string, data: Record<string, unknown>): { output: string; missing: string[] } {
  // Jinja drops a single trailing newline of the template source (keep_trailing_newline is off).
  const source = template.endsWith('\n') ? template.slice(0, template.endsWith('\r\n') ? -2 : -1) : template;
  const r = new Renderer();
  const output = r.render(parseTemplate(source), templateData(data));
  return { output, missing: [...new Set(r.missing)] };
}
