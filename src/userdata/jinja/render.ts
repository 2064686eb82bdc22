/**
 * Evaluates a parsed template against data. A name missing from the data
 * renders as "CI_MISSING_JINJA_VAR/<name>" and is reported, as cloud-init
 * does; using an undefined value in a way that needs a real one (an
 * attribute of it, arithmetic) is a render error.
 */
import { isMapping } from '../../text/reader.ts';
import type { Expr, Node } from './ast.ts';
import { JinjaError } from './errors.ts';
import { FILTERS } from './filters.ts';
import { equal, member, pyStr, truthy, Undefined } from './values.ts';

/** Output larger than this stops the render (a loop over a loop can explode). */
const MAX_OUTPUT = 64 * 1024 * 1024;

class Scope {
  private readonly vars = new Map<string, unknown>();
  constructor(
    private readonly parent: Scope | null,
    private readonly data: Record<string, unknown>,
  ) {}
  get(name: string): unknown {
    if (this.vars.has(name)) return this.vars.get(name);
    if (this.parent) return this.parent.get(name);
    return Object.prototype.hasOwnProperty.call(this.data, name) ? this.data[name] : new Undefined(name);
  }
  set(name: string, v: unknown): void {
    this.vars.set(name, v);
  }
}

export class Renderer {
  readonly missing: string[] = [];
  private size = 0;
  private line = 1;

  fail(msg: string): never {
    throw new JinjaError(msg, this.line, 'render');
  }

  render(nodes: readonly Node[], data: Record<string, unknown>): string {
    const out: string[] = [];
    this.nodes(nodes, new Scope(null, data), out);
    return out.join('');
  }

  private emit(out: string[], s: string): void {
    this.size += s.length;
    if (this.size > MAX_OUTPUT) this.fail(`the rendered template is larger than ${MAX_OUTPUT} bytes`);
    out.push(s);
  }

  private nodes(nodes: readonly Node[], scope: Scope, out: string[]): void {
    for (const n of nodes) {
      if (n.k === 'text') {
        this.emit(out, n.text);
        continue;
      }
      this.line = n.line;
      if (n.k === 'output') {
        const v = this.eval(n.expr, scope);
        if (v instanceof Undefined) this.missing.push(v.name);
        this.emit(out, pyStr(v));
      } else if (n.k === 'set') {
        scope.set(n.name, this.eval(n.expr, scope));
      } else if (n.k === 'if') {
        const branch = n.branches.find((b) => truthy(this.eval(b.test, scope)));
        this.nodes(branch ? branch.body : n.else, scope, out);
      } else {
        this.loop(n, scope, out);
      }
    }
  }

  private loop(n: Extract<Node, { k: 'for' }>, scope: Scope, out: string[]): void {
    const iter = this.eval(n.iter, scope);
    let list: unknown[];
    if (Array.isArray(iter)) list = iter;
    else if (isMapping(iter)) list = Object.keys(iter);
    else if (typeof iter === 'string') list = [...iter];
    else if (iter instanceof Undefined) list = [];
    else this.fail(`cannot loop over ${pyStr(iter)}`);
    if (list.length === 0) {
      this.nodes(n.else, scope, out);
      return;
    }
    list.forEach((item, i) => {
      const inner = new Scope(scope, {});
      if (n.targets.length === 1) inner.set(n.targets[0] ?? '', item);
      else {
        if (!Array.isArray(item) || item.length !== n.targets.length) this.fail(`cannot unpack ${pyStr(item)} into ${n.targets.length} names`);
        n.targets.forEach((t, j) => inner.set(t, item[j]));
      }
      inner.set('loop', { index: i + 1, index0: i, first: i === 0, last: i === list.length - 1, length: list.length, revindex: list.length - i, revindex0: list.length - i - 1 });
      this.nodes(n.body, inner, out);
    });
  }

  private get(obj: unknown, key: unknown, label: string): unknown {
    if (obj instanceof Undefined) this.fail(`"${obj.name}" is undefined (looking up "${label}" in it)`);
    const m = member(obj, key);
    return m.found ? m.value : new Undefined(label);
  }

  private eval(e: Expr, scope: Scope): unknown {
    switch (e.k) {
      case 'lit':
        return e.v;
      case 'name':
        return scope.get(e.name);
      case 'attr':
        return this.get(this.eval(e.obj, scope), e.name, e.name);
      case 'index': {
        const key = this.eval(e.index, scope);
        return this.get(this.eval(e.obj, scope), key, pyStr(key));
      }
      case 'list':
        return e.items.map((x) => this.eval(x, scope));
      case 'not':
        return !truthy(this.eval(e.value, scope));
      case 'neg': {
        const v = this.eval(e.value, scope);
        if (typeof v !== 'number') this.fail(`cannot negate ${pyStr(v)}`);
        return -v;
      }
      case 'cond':
        return truthy(this.eval(e.test, scope)) ? this.eval(e.then, scope) : e.else ? this.eval(e.else, scope) : new Undefined('else');
      case 'filter': {
        const f = FILTERS.get(e.name);
        if (!f) this.fail(`no filter named "${e.name}"`);
        return f(this.eval(e.value, scope), e.args.map((a) => this.eval(a, scope)));
      }
      case 'test':
        return this.test(e.name, this.eval(e.value, scope)) !== e.negate;
      case 'call':
        return this.call(this.eval(e.obj, scope), e.method, e.args.map((a) => this.eval(a, scope)));
      case 'bin':
        return this.binary(e.op, e.left, e.right, scope);
    }
  }

  private test(name: string, v: unknown): boolean {
    switch (name) {
      case 'defined':
        return !(v instanceof Undefined);
      case 'undefined':
        return v instanceof Undefined;
      case 'none':
        return v === null;
      case 'string':
        return typeof v === 'string';
      case 'number':
        return typeof v === 'number';
      case 'mapping':
        return isMapping(v);
      case 'sequence':
      case 'iterable':
        return Array.isArray(v) || typeof v === 'string' || isMapping(v);
      case 'true':
        return v === true;
      case 'false':
        return v === false;
      case 'even':
      case 'odd':
        return typeof v === 'number' && Math.abs(v % 2) === (name === 'odd' ? 1 : 0);
      default:
        return this.fail(`no test named "${name}"`);
    }
  }

  private call(obj: unknown, method: string, args: unknown[]): unknown {
    if (obj instanceof Undefined) this.fail(`"${obj.name}" is undefined (calling ${method}() on it)`);
    if (isMapping(obj)) {
      if (method === 'items') return Object.keys(obj).map((k) => [k, obj[k]]);
      if (method === 'keys') return Object.keys(obj);
      if (method === 'values') return Object.keys(obj).map((k) => obj[k]);
      if (method === 'get') {
        const m = member(obj, args[0]);
        return m.found ? m.value : (args[1] ?? null);
      }
    }
    if (typeof obj === 'string') {
      if (method === 'lower') return obj.toLowerCase();
      if (method === 'upper') return obj.toUpperCase();
      if (method === 'strip') return obj.trim();
      if (method === 'split') return typeof args[0] === 'string' ? obj.split(args[0]) : obj.split(/\s+/).filter(Boolean);
      if (method === 'startswith') return obj.startsWith(pyStr(args[0]));
      if (method === 'endswith') return obj.endsWith(pyStr(args[0]));
    }
    return this.fail(`${pyStr(obj)} has no method ${method}()`);
  }

  private binary(op: string, le: Expr, re: Expr, scope: Scope): unknown {
    if (op === 'and') {
      const l = this.eval(le, scope);
      return truthy(l) ? this.eval(re, scope) : l;
    }
    if (op === 'or') {
      const l = this.eval(le, scope);
      return truthy(l) ? l : this.eval(re, scope);
    }
    const l = this.eval(le, scope);
    const r = this.eval(re, scope);
    switch (op) {
      case '==':
        return equal(l, r);
      case '!=':
        return !equal(l, r);
      case '~':
        return pyStr(l) + pyStr(r);
      case 'in':
        if (typeof r === 'string') return r.includes(pyStr(l));
        if (Array.isArray(r)) return r.some((x) => equal(x, l));
        if (isMapping(r)) return typeof l === 'string' && Object.prototype.hasOwnProperty.call(r, l);
        return this.fail(`"in" needs a string, list or mapping on its right, not ${pyStr(r)}`);
    }
    if (op === '+' && typeof l === 'string' && typeof r === 'string') return l + r;
    if (op === '+' && Array.isArray(l) && Array.isArray(r)) return [...l, ...r];
    const bothNumbers = typeof l === 'number' && typeof r === 'number';
    const bothStrings = typeof l === 'string' && typeof r === 'string';
    if (['<', '>', '<=', '>='].includes(op) && (bothNumbers || bothStrings)) {
      const a = l as number | string;
      const b = r as number | string;
      return op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
    }
    if (!bothNumbers) this.fail(`"${op}" cannot be applied to ${pyStr(l)} and ${pyStr(r)}`);
    const a = l as number;
    const b = r as number;
    if ((op === '/' || op === '//' || op === '%') && b === 0) this.fail('division by zero');
    switch (op) {
      case '+':
        return a + b;
      case '-':
        return a - b;
      case '*':
        return a * b;
      case '/':
        return a / b;
      case '//':
        return Math.floor(a / b);
      case '%':
        return ((a % b) + b) % b;
      default:
        return this.fail(`unknown operator "${op}"`);
    }
  }
}
