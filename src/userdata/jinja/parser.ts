/**
 * Template chunks → statement tree, and tag text → expressions, with
 * Jinja's operator precedence (or < and < not < comparisons < ~ < + - <
 * * / < unary minus < filters, attributes and subscripts). A syntax error
 * names the template line.
 */
import type { Expr, Node } from './ast.ts';
import { JinjaError } from './errors.ts';
import { FILTERS } from './filters.ts';
import { splitTemplate, tokenize, type Chunk, type Token } from './lexer.ts';

const TESTS = new Set(['defined', 'undefined', 'none', 'string', 'number', 'mapping', 'sequence', 'iterable', 'true', 'false', 'even', 'odd']);
const METHODS = new Set(['items', 'keys', 'values', 'get', 'lower', 'upper', 'strip', 'split', 'startswith', 'endswith']);

class ExprParser {
  private i = 0;
  constructor(
    private readonly toks: Token[],
    private readonly line: number,
  ) {}

  fail(msg: string): never {
    throw new JinjaError(msg, this.line, 'syntax');
  }
  peek(o = 0): Token | undefined {
    return this.toks[this.i + o];
  }
  isOp(v: string, o = 0): boolean {
    const t = this.peek(o);
    return t?.t === 'op' && t.v === v;
  }
  isName(v: string, o = 0): boolean {
    const t = this.peek(o);
    return t?.t === 'name' && t.v === v;
  }
  expectOp(v: string): void {
    if (!this.isOp(v)) this.fail(`expected "${v}"${this.describeNext()}`);
    this.i++;
  }
  expectName(): string {
    const t = this.peek();
    if (t?.t !== 'name') this.fail(`expected a name${this.describeNext()}`);
    this.i++;
    return t.v;
  }
  describeNext(): string {
    const t = this.peek();
    return t ? `, found ${t.t === 'str' ? 'a string' : JSON.stringify(String(t.v))}` : ' at the end of the tag';
  }
  done(): boolean {
    return this.i >= this.toks.length;
  }
  end(): void {
    if (!this.done()) this.fail(`unexpected ${this.describeNext().replace(/^, found /, '')}`);
  }

  expr(): Expr {
    const value = this.or();
    if (this.isName('if')) {
      this.i++;
      const test = this.or();
      let other: Expr | null = null;
      if (this.isName('else')) {
        this.i++;
        other = this.expr();
      }
      return { k: 'cond', test, then: value, else: other };
    }
    return value;
  }
  or(): Expr {
    let left = this.and();
    while (this.isName('or')) {
      this.i++;
      left = { k: 'bin', op: 'or', left, right: this.and() };
    }
    return left;
  }
  and(): Expr {
    let left = this.not();
    while (this.isName('and')) {
      this.i++;
      left = { k: 'bin', op: 'and', left, right: this.not() };
    }
    return left;
  }
  not(): Expr {
    if (this.isName('not')) {
      this.i++;
      return { k: 'not', value: this.not() };
    }
    return this.compare();
  }
  compare(): Expr {
    let left = this.concat();
    // Python chains comparisons: a < b <= c is (a < b) and (b <= c).
    let lastOperand: Expr | null = null;
    for (;;) {
      const t = this.peek();
      if (t?.t === 'op' && ['==', '!=', '<', '>', '<=', '>='].includes(t.v)) {
        this.i++;
        const right = this.concat();
        left = lastOperand ? { k: 'bin', op: 'and', left, right: { k: 'bin', op: t.v, left: lastOperand, right } } : { k: 'bin', op: t.v, left, right };
        lastOperand = right;
      } else if (this.isName('in')) {
        this.i++;
        left = { k: 'bin', op: 'in', left, right: this.concat() };
      } else if (this.isName('not') && this.isName('in', 1)) {
        this.i += 2;
        left = { k: 'not', value: { k: 'bin', op: 'in', left, right: this.concat() } };
      } else if (this.isName('is')) {
        this.i++;
        let negate = false;
        if (this.isName('not')) {
          this.i++;
          negate = true;
        }
        const t2 = this.peek();
        const name = t2?.t === 'name' ? t2.v : this.fail(`expected a test name after "is"${this.describeNext()}`);
        if (!TESTS.has(name)) this.fail(`no test named "${name}"`);
        this.i++;
        left = { k: 'test', value: left, name, negate };
      } else {
        return left;
      }
    }
  }
  concat(): Expr {
    let left = this.add();
    while (this.isOp('~')) {
      this.i++;
      left = { k: 'bin', op: '~', left, right: this.add() };
    }
    return left;
  }
  add(): Expr {
    let left = this.mul();
    while (this.isOp('+') || this.isOp('-')) {
      const op = (this.peek() as { v: string }).v;
      this.i++;
      left = { k: 'bin', op, left, right: this.mul() };
    }
    return left;
  }
  mul(): Expr {
    let left = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('//') || this.isOp('%')) {
      const op = (this.peek() as { v: string }).v;
      this.i++;
      left = { k: 'bin', op, left, right: this.unary() };
    }
    return left;
  }
  unary(): Expr {
    if (this.isOp('-')) {
      this.i++;
      return { k: 'neg', value: this.unary() };
    }
    return this.postfix(this.primary());
  }
  args(): Expr[] {
    const args: Expr[] = [];
    this.expectOp('(');
    while (!this.isOp(')')) {
      // Keyword arguments (default(x, boolean=true)) are taken by position.
      if (this.peek()?.t === 'name' && this.isOp('=', 1)) this.i += 2;
      args.push(this.expr());
      if (!this.isOp(')')) this.expectOp(',');
    }
    this.i++;
    return args;
  }
  postfix(e: Expr): Expr {
    for (;;) {
      if (this.isOp('.')) {
        this.i++;
        const t = this.peek();
        if (t?.t === 'num') {
          this.i++;
          e = { k: 'index', obj: e, index: { k: 'lit', v: t.v } };
          continue;
        }
        const name = this.expectName();
        if (this.isOp('(')) {
          if (!METHODS.has(name)) this.fail(`calling "${name}()" is not supported`);
          e = { k: 'call', obj: e, method: name, args: this.args() };
        } else {
          e = { k: 'attr', obj: e, name };
        }
      } else if (this.isOp('[')) {
        this.i++;
        const index = this.expr();
        this.expectOp(']');
        e = { k: 'index', obj: e, index };
      } else if (this.isOp('|')) {
        this.i++;
        const name = this.expectName();
        if (!FILTERS.has(name)) this.fail(`no filter named "${name}"`);
        e = { k: 'filter', value: e, name, args: this.isOp('(') ? this.args() : [] };
      } else {
        return e;
      }
    }
  }
  primary(): Expr {
    const t = this.peek();
    if (!t) this.fail('expected an expression at the end of the tag');
    this.i++;
    if (t.t === 'str' || t.t === 'num') return { k: 'lit', v: t.v };
    if (t.t === 'name') {
      if (t.v === 'true' || t.v === 'True') return { k: 'lit', v: true };
      if (t.v === 'false' || t.v === 'False') return { k: 'lit', v: false };
      if (t.v === 'none' || t.v === 'None') return { k: 'lit', v: null };
      return { k: 'name', name: t.v };
    }
    if (t.v === '(') {
      const e = this.expr();
      this.expectOp(')');
      return e;
    }
    if (t.v === '[') {
      const items: Expr[] = [];
      while (!this.isOp(']')) {
        items.push(this.expr());
        if (!this.isOp(']')) this.expectOp(',');
      }
      this.i++;
      return { k: 'list', items };
    }
    return this.fail(`unexpected "${t.v}"`);
  }
}

function parseExpr(source: string, line: number): Expr {
  const p = new ExprParser(tokenize(source, line), line);
  if (p.done()) p.fail('an empty expression');
  const e = p.expr();
  p.end();
  return e;
}

type Frame = { tag: 'if' | 'for'; line: number; node: Node; body: Node[] };

export function parseTemplate(src: string): Node[] {
  const root: Node[] = [];
  const stack: Frame[] = [];
  const body = (): Node[] => stack[stack.length - 1]?.body ?? root;
  for (const c of splitTemplate(src) as Chunk[]) {
    if (c.kind === 'text') {
      body().push({ k: 'text', text: c.text });
      continue;
    }
    if (c.kind === 'output') {
      body().push({ k: 'output', expr: parseExpr(c.source, c.line), line: c.line });
      continue;
    }
    const toks = tokenize(c.source, c.line);
    const p = new ExprParser(toks, c.line);
    const word = toks[0]?.t === 'name' ? toks[0].v : p.fail('a block tag without a statement');
    p.expectName();
    const top = stack[stack.length - 1];
    const unexpected: () => never = () => p.fail(`unexpected "${word}"${top ? ` (the innermost open block is "${top.tag}" from line ${top.line})` : ' outside any block'}`);
    if (word === 'if') {
      const node: Node = { k: 'if', branches: [{ test: p.expr(), body: [] }], else: [], line: c.line };
      p.end();
      body().push(node);
      stack.push({ tag: 'if', line: c.line, node, body: node.branches[0]?.body ?? [] });
    } else if (word === 'elif' || word === 'else') {
      if (!top) unexpected();
      const node = top.node;
      if (word === 'elif') {
        if (node.k !== 'if' || top.body === node.else) unexpected();
        const branch = { test: p.expr(), body: [] as Node[] };
        node.branches.push(branch);
        top.body = branch.body;
      } else {
        if ((node.k !== 'if' && node.k !== 'for') || top.body === node.else) unexpected();
        top.body = node.else;
      }
      p.end();
    } else if (word === 'endif' || word === 'endfor') {
      if (!top || `end${top.tag}` !== word) unexpected();
      p.end();
      stack.pop();
    } else if (word === 'for') {
      const targets = [p.expectName()];
      while (p.isOp(',')) {
        p.expectOp(',');
        targets.push(p.expectName());
      }
      if (!p.isName('in')) p.fail(`expected "in"${p.describeNext()}`);
      p.expectName();
      const node: Node = { k: 'for', targets, iter: p.expr(), body: [], else: [], line: c.line };
      p.end();
      body().push(node);
      stack.push({ tag: 'for', line: c.line, node, body: node.body });
    } else if (word === 'set') {
      const name = p.expectName();
      p.expectOp('=');
      body().push({ k: 'set', name, expr: p.expr(), line: c.line });
      p.end();
    } else {
      p.fail(`unknown tag "${word}"`);
    }
  }
  const open = stack[stack.length - 1];
  if (open) throw new JinjaError(`"${open.tag}" block from line ${open.line} is never closed (end of template reached)`, open.line, 'syntax');
  return root;
}
