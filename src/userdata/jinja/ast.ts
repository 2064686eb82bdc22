/** The parsed template: statements and expressions. */
export type Expr =
  | { k: 'lit'; v: unknown }
  | { k: 'name'; name: string }
  | { k: 'attr'; obj: Expr; name: string }
  | { k: 'index'; obj: Expr; index: Expr }
  | { k: 'call'; obj: Expr; method: string; args: Expr[] }
  | { k: 'filter'; value: Expr; name: string; args: Expr[] }
  | { k: 'test'; value: Expr; name: string; negate: boolean }
  | { k: 'list'; items: Expr[] }
  | { k: 'not'; value: Expr }
  | { k: 'neg'; value: Expr }
  | { k: 'bin'; op: string; left: Expr; right: Expr }
  | { k: 'cond'; test: Expr; then: Expr; else: Expr | null };

export type Node =
  | { k: 'text'; text: string }
  | { k: 'output'; expr: Expr; line: number }
  | { k: 'if'; branches: { test: Expr; body: Node[] }[]; else: Node[]; line: number }
  | { k: 'for'; targets: string[]; iter: Expr; body: Node[]; else: Node[]; line: number }
  | { k: 'set'; name: string; expr: Expr; line: number };
