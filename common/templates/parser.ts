/**
 * The parser of Go's text/template (`text/template/parse/parse.go`): the same grammar, the same
 * three-token lookahead and the same error rules, so a template Go rejects is rejected here on the
 * same line. Errors carry the line (as Go reports it) and the column (which Go's parse errors omit).
 */
import { Item, Lexer, type ItemType, type Token } from './lexer.ts';
import { byteColumn } from './location.ts';
import { newNumber } from './numbers.ts';
import { isEmptyTree, type BranchNode, type CommandNode, type ListNode, type Node, type PipeNode, type TemplateNode, type Tree, type VariableNode } from './nodes.ts';
import { goUnquote } from './unquote.ts';

/** A template syntax error: Go's message, and where (line as Go counts it, byte column). */
export class TemplateParseError extends Error {
  readonly code = 'E_TEMPLATE_PARSE';
  readonly templateName: string;
  readonly line: number;
  readonly column: number;
  readonly detail: string;
  constructor(templateName: string, line: number, column: number, detail: string) {
    super(`template: ${templateName}:${line}:${column}: ${detail}`);
    this.templateName = templateName;
    this.line = line;
    this.column = column;
    this.detail = detail;
    this.name = 'TemplateParseError';
  }
}

const MAX_STACK_DEPTH = 10000;

/** Shared state of one Parse call: the lexer, the tree set, the function check. */
interface Shared { lex: Lexer; text: string; parseName: string; treeSet: Map<string, Tree>; hasFunction: (name: string) => boolean }

const itemString = (t: Token): string => {
  if (t.typ === Item.EOF) return 'EOF';
  if (t.typ === Item.Error) return t.val;
  if (t.typ > Item.Keyword) return `<${t.val}>`;
  if (t.val.length > 10) return `${JSON.stringify(t.val.slice(0, 10))}...`;
  return JSON.stringify(t.val);
};

class TreeParser {
  name: string;
  root: ListNode = { kind: 'list', pos: 0, nodes: [] };
  token: Token[] = [];
  peekCount = 0;
  vars: string[] = ['$'];
  actionLine = 0;
  rangeDepth = 0;
  stackDepth = 0;

  readonly s: Shared;
  constructor(name: string, s: Shared) { this.name = name; this.s = s; }

  errorf(detail: string): never {
    const tok = this.token[0];
    const line = tok?.line ?? 1;
    throw new TemplateParseError(this.s.parseName, line, byteColumn(this.s.text, tok?.pos ?? 0), detail);
  }

  next(): Token {
    if (this.peekCount > 0) this.peekCount--;
    else this.token[0] = this.s.lex.nextItem();
    return this.token[this.peekCount]!;
  }
  backup(): void { this.peekCount++; }
  backup2(t1: Token): void { this.token[1] = t1; this.peekCount = 2; }
  backup3(t2: Token, t1: Token): void { this.token[1] = t1; this.token[2] = t2; this.peekCount = 3; }
  peek(): Token {
    if (this.peekCount > 0) return this.token[this.peekCount - 1]!;
    this.peekCount = 1;
    this.token[0] = this.s.lex.nextItem();
    return this.token[0];
  }
  nextNonSpace(): Token { let t: Token; do t = this.next(); while (t.typ === Item.Space); return t; }
  peekNonSpace(): Token { const t = this.nextNonSpace(); this.backup(); return t; }

  expect(typ: ItemType, context: string): Token {
    const t = this.nextNonSpace();
    if (t.typ !== typ) this.unexpected(t, context);
    return t;
  }

  unexpected(t: Token, context: string): never {
    if (t.typ === Item.Error) {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== t.line) {
        extra = ` in action started at ${this.s.parseName}:${this.actionLine}`;
        if (t.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf(`${itemString(t)}${extra}`);
    }
    this.errorf(`unexpected ${itemString(t)} in ${context}`);
  }

  /** Adds this tree to the set with Go's rule: an empty body never replaces a non-empty one. */
  add(): void {
    const existing = this.s.treeSet.get(this.name);
    if (existing === undefined || isEmptyTree(existing.root)) {
      this.s.treeSet.set(this.name, { name: this.name, parseName: this.s.parseName, root: this.root, text: this.s.text });
      return;
    }
    if (!isEmptyTree(this.root)) this.errorf(`template: multiple definition of template ${JSON.stringify(this.name)}`);
  }

  parse(): void {
    this.root = { kind: 'list', pos: this.peek().pos, nodes: [] };
    while (this.peek().typ !== Item.EOF) {
      if (this.peek().typ === Item.LeftDelim) {
        const delim = this.next();
        if (this.nextNonSpace().typ === Item.Define) {
          const def = new TreeParser('definition', this.s);
          def.token = this.token; def.peekCount = 0;
          def.parseDefinition();
          continue;
        }
        this.backup2(delim);
      }
      const n = this.textOrAction();
      if (n.kind === 'end' || n.kind === 'else') this.errorf(`unexpected ${n.kind === 'end' ? '{{end}}' : '{{else}}'}`);
      this.root.nodes.push(n);
    }
  }

  parseDefinition(): void {
    const context = 'define clause';
    const t = this.nextNonSpace();
    if (t.typ !== Item.String && t.typ !== Item.RawString) this.unexpected(t, context);
    this.name = this.unquote(t.val);
    this.expect(Item.RightDelim, context);
    const [list, end] = this.itemList();
    this.root = list;
    if (end.kind !== 'end') this.errorf(`unexpected {{else}} in ${context}`);
    this.add();
  }

  unquote(quoted: string): string {
    try { return goUnquote(quoted); } catch { return this.errorf('invalid syntax'); }
  }

  itemList(): [ListNode, Node] {
    const list: ListNode = { kind: 'list', pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().typ !== Item.EOF) {
      const n = this.textOrAction();
      if (n.kind === 'end' || n.kind === 'else') return [list, n];
      list.nodes.push(n);
    }
    return this.errorf('unexpected EOF');
  }

  textOrAction(): Node {
    const t = this.nextNonSpace();
    if (t.typ === Item.Text) return { kind: 'text', pos: t.pos, text: t.val };
    if (t.typ === Item.LeftDelim) {
      this.actionLine = t.line;
      try { return this.action(); } finally { this.actionLine = 0; }
    }
    return this.unexpected(t, 'input');
  }

  action(): Node {
    const t = this.nextNonSpace();
    switch (t.typ) {
      case Item.Block: return this.blockControl();
      case Item.Break: case Item.Continue: return this.loopControl(t);
      case Item.Else: return this.elseControl();
      case Item.End: return { kind: 'end', pos: this.expect(Item.RightDelim, 'end').pos };
      case Item.If: return this.branch('if');
      case Item.Range: return this.branch('range');
      case Item.Template: return this.templateControl();
      case Item.With: return this.branch('with');
    }
    this.backup();
    const tok = this.peek();
    return { kind: 'action', pos: tok.pos, line: tok.line, pipe: this.pipeline('command', Item.RightDelim) };
  }

  loopControl(t: Token): Node {
    const word = t.typ === Item.Break ? 'break' : 'continue';
    const next = this.nextNonSpace();
    if (next.typ !== Item.RightDelim) this.unexpected(next, `{{${word}}}`);
    if (this.rangeDepth === 0) this.errorf(`{{${word}}} outside {{range}}`);
    return { kind: word, pos: t.pos, line: t.line };
  }

  elseControl(): Node {
    const p = this.peekNonSpace();
    if (p.typ === Item.If || p.typ === Item.With) return { kind: 'else', pos: p.pos, line: p.line };
    const t = this.expect(Item.RightDelim, 'else');
    return { kind: 'else', pos: t.pos, line: t.line };
  }

  /** Declarations at the start of a pipeline: `$x :=`, `$x =`, `$i, $e :=` (range only). */
  declarations(pipe: PipeNode, context: string): void {
    for (;;) {
      const v = this.peekNonSpace();
      if (v.typ !== Item.Variable) return;
      this.next();
      const after = this.peek();
      const next = this.peekNonSpace();
      if (next.typ === Item.Assign || next.typ === Item.Declare) {
        pipe.isAssign = next.typ === Item.Assign;
        this.nextNonSpace();
        pipe.decl.push({ kind: 'variable', pos: v.pos, ident: [v.val] });
        this.vars.push(v.val);
        return;
      }
      if (next.typ === Item.Char && next.val === ',') {
        this.nextNonSpace();
        pipe.decl.push({ kind: 'variable', pos: v.pos, ident: [v.val] });
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const k = this.peekNonSpace().typ;
          if (k === Item.Variable || k === Item.RightDelim || k === Item.RightParen) continue;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      }
      if (after.typ === Item.Space) this.backup3(v, after); else this.backup2(v);
      return;
    }
  }

  pipeline(context: string, end: ItemType): PipeNode {
    const t = this.peekNonSpace();
    const pipe: PipeNode = { kind: 'pipe', pos: t.pos, line: t.line, isAssign: false, decl: [], cmds: [] };
    this.declarations(pipe, context);
    for (;;) {
      const tok = this.nextNonSpace();
      if (tok.typ === end) { this.checkPipeline(pipe, context); return pipe; }
      switch (tok.typ) {
        case Item.Bool: case Item.CharConstant: case Item.Complex: case Item.Dot: case Item.Field: case Item.Identifier:
        case Item.Number: case Item.Nil: case Item.RawString: case Item.String: case Item.Variable: case Item.LeftParen:
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default: this.unexpected(tok, context);
      }
    }
  }

  checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      const k = c.args[0]!.kind;
      if (k === 'bool' || k === 'dot' || k === 'nil' || k === 'number' || k === 'string') this.errorf(`non executable command in pipeline stage ${i + 2}`);
    });
  }

  branch(context: 'if' | 'range' | 'with'): BranchNode {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(context, Item.RightDelim);
      if (context === 'range') this.rangeDepth++;
      let [list, next] = this.itemList();
      if (context === 'range') this.rangeDepth--;
      let elseList: ListNode | undefined;
      if (next.kind === 'else') {
        if ((context === 'if' && this.peek().typ === Item.If) || (context === 'with' && this.peek().typ === Item.With)) {
          this.next();
          elseList = { kind: 'list', pos: next.pos, nodes: [this.branch(context)] };
        } else {
          [elseList, next] = this.itemList();
          if (next.kind !== 'end') this.errorf('expected end; found {{else}}');
        }
      }
      return { kind: context, pos: pipe.pos, line: pipe.line, pipe, list, elseList };
    } finally {
      this.vars.length = mark;
    }
  }

  blockControl(): TemplateNode {
    const context = 'block clause';
    const t = this.nextNonSpace();
    const name = this.templateName(t, context);
    const pipe = this.pipeline(context, Item.RightDelim);
    const block = new TreeParser(name, this.s);
    block.token = this.token; block.peekCount = 0;
    const [list, end] = block.itemList();
    block.root = list;
    if (end.kind !== 'end') this.errorf(`unexpected {{else}} in ${context}`);
    block.add();
    return { kind: 'template', pos: t.pos, line: t.line, name, pipe };
  }

  templateControl(): TemplateNode {
    const context = 'template clause';
    const t = this.nextNonSpace();
    const name = this.templateName(t, context);
    let pipe: PipeNode | undefined;
    if (this.nextNonSpace().typ !== Item.RightDelim) { this.backup(); pipe = this.pipeline(context, Item.RightDelim); }
    return { kind: 'template', pos: t.pos, line: t.line, name, pipe };
  }

  templateName(t: Token, context: string): string {
    if (t.typ === Item.String || t.typ === Item.RawString) return this.unquote(t.val);
    return this.unexpected(t, context);
  }

  command(): CommandNode {
    const cmd: CommandNode = { kind: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== undefined) cmd.args.push(operand);
      const t = this.next();
      if (t.typ === Item.Space) continue;
      if (t.typ === Item.RightDelim || t.typ === Item.RightParen) this.backup();
      else if (t.typ !== Item.Pipe) this.unexpected(t, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  operand(): Node | undefined {
    const node = this.term();
    if (node === undefined || this.peek().typ !== Item.Field) return node;
    const pos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().typ === Item.Field) fields.push(this.next().val.slice(1));
    switch (node.kind) {
      case 'field': return { kind: 'field', pos, ident: [...node.ident, ...fields] };
      case 'variable': return { kind: 'variable', pos, ident: [...node.ident, ...fields] };
      case 'bool': case 'string': case 'number': case 'nil': case 'dot':
        return this.errorf(`unexpected . after term ${JSON.stringify(nodeText(node))}`);
      default: return { kind: 'chain', pos, node, field: fields };
    }
  }

  term(): Node | undefined {
    const t = this.nextNonSpace();
    switch (t.typ) {
      case Item.Identifier:
        if (!this.s.hasFunction(t.val)) this.errorf(`function ${JSON.stringify(t.val)} not defined`);
        return { kind: 'identifier', pos: t.pos, ident: t.val };
      case Item.Dot: return { kind: 'dot', pos: t.pos };
      case Item.Nil: return { kind: 'nil', pos: t.pos };
      case Item.Variable: return this.useVar(t.pos, t.val);
      case Item.Field: return { kind: 'field', pos: t.pos, ident: [t.val.slice(1)] };
      case Item.Bool: return { kind: 'bool', pos: t.pos, value: t.val === 'true' };
      case Item.CharConstant: case Item.Complex: case Item.Number:
        try { return newNumber(t.pos, t.val, t.typ === Item.CharConstant); } catch (e) { return this.errorf((e as Error).message); }
      case Item.LeftParen: return this.parenthesized();
      case Item.String: case Item.RawString: return { kind: 'string', pos: t.pos, quoted: t.val, text: this.unquote(t.val) };
    }
    this.backup();
    return undefined;
  }

  parenthesized(): PipeNode {
    if (this.stackDepth >= MAX_STACK_DEPTH) this.errorf('max expression depth exceeded');
    this.stackDepth++;
    try { return this.pipeline('parenthesized pipeline', Item.RightParen); } finally { this.stackDepth--; }
  }

  useVar(pos: number, name: string): VariableNode {
    const ident = name.split('.');
    if (!this.vars.includes(ident[0]!)) this.errorf(`undefined variable ${JSON.stringify(ident[0])}`);
    return { kind: 'variable', pos, ident };
  }
}

const nodeText = (n: Node): string => (n.kind === 'string' ? n.quoted : n.kind === 'number' ? n.text : n.kind === 'bool' ? String(n.value) : n.kind === 'nil' ? 'nil' : '.');

/** Parses `text` as template `name`; returns every tree it defines (the top level under `name`). */
export function parseTrees(name: string, text: string, hasFunction: (name: string) => boolean): Map<string, Tree> {
  const s: Shared = { lex: new Lexer(text), text, parseName: name, treeSet: new Map(), hasFunction };
  s.lex.breakOK = !hasFunction('break');
  s.lex.continueOK = !hasFunction('continue');
  const top = new TreeParser(name, s);
  top.parse();
  top.add();
  return s.treeSet;
}
