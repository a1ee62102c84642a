/**
 * Execution of a parsed template set (`text/template/exec.go`): the walk over the tree, pipelines,
 * variables, field chains on maps, function calls with Go's argument rules, and the missingkey
 * option. Errors are ExecError with Go's location (`name:line:col`) and context.
 */
import { byteColumn, lineAt } from './location.ts';
import { nodeString, type BranchNode, type ChainNode, type CommandNode, type FieldNode, type IdentifierNode, type ListNode, type Node, type NumberNode, type PipeNode, type TemplateNode, type Tree, type VariableNode } from './nodes.ts';
import { formatV } from './fmt.ts';
import { FuncError, type FuncMap, type ParamType, type TemplateFunction } from './function-types.ts';
import { GoFloat, GoInt, GoMap, GoObject, GoSlice, NO_VALUE, isTrue, sortedKeys, typeName, type GoValue, type Val } from './values.ts';

export type MissingKey = 'default' | 'invalid' | 'zero' | 'error';

/** Limits that keep execution bounded whatever the template does. */
export interface ExecLimits { maxOutputBytes: number; maxSteps: number; maxDepth: number }
export const DEFAULT_LIMITS: ExecLimits = { maxOutputBytes: 4 * 1024 * 1024, maxSteps: 5_000_000, maxDepth: 1000 };

/** A template execution error, worded like Go's ExecError. */
export class TemplateExecError extends Error {
  readonly code = 'E_TEMPLATE_EXEC';
  readonly line: number;
  readonly column: number;
  readonly detail: string;
  constructor(message: string, line: number, column: number, detail: string) {
    super(message);
    this.line = line;
    this.column = column;
    this.detail = detail;
    this.name = 'TemplateExecError';
  }
}

/** Go's missingVal: "no piped value", distinct from a piped missing value (NO_VALUE). */
const MISSING: unique symbol = Symbol('missing');
type Final = Val | typeof MISSING;

const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');

/** What every state of one execution shares. */
interface Shared {
  readonly trees: ReadonlyMap<string, Tree>;
  readonly funcs: FuncMap;
  readonly missingKey: MissingKey;
  readonly limits: ExecLimits;
  readonly out: string[];
  outBytes: number;
  steps: number;
}

const isInvalid = (v: Final): boolean => v === NO_VALUE;
const canBeNil = (t: ParamType | undefined): boolean => t === 'any' || t === 'value' || t === '[]interface {}' || t === '[]string' || t === 'map[string]interface {}';

function zeroOf(t: ParamType): Val {
  if (t === '[]interface {}') return new GoSlice('interface {}', [], true);
  if (t === '[]string') return new GoSlice('string', [], true);
  if (t === 'map[string]interface {}') return new GoMap('interface {}', new Map());
  if (t === 'value') return NO_VALUE;
  return null;
}

/** Go's zero value of a map's element type (missingkey=zero). */
function zeroOfElem(elem: string): Val {
  if (elem === 'string') return '';
  if (elem === 'interface {}') return null;
  return null;
}

class State {
  node: Node | undefined;
  vars: [string, Val][];

  readonly s: Shared;
  readonly tree: Tree;
  readonly depth: number;

  constructor(s: Shared, tree: Tree, dot: Val, depth: number) {
    this.s = s;
    this.tree = tree;
    this.depth = depth;
    this.vars = [['$', dot]];
  }

  at(n: Node): void { this.node = n; }

  errorf(detail: string): never {
    const name = this.tree.name;
    if (this.node === undefined) throw new TemplateExecError(`template: ${name}: ${detail}`, 0, 0, detail);
    const line = lineAt(this.tree.text, this.node.pos);
    const col = byteColumn(this.tree.text, this.node.pos);
    throw new TemplateExecError(`template: ${this.tree.parseName}:${line}:${col}: executing ${JSON.stringify(name)} at <${nodeString(this.node)}>: ${detail}`, line, col, detail);
  }

  step(): void {
    if (++this.s.steps > this.s.limits.maxSteps) this.errorf(`template execution exceeded ${this.s.limits.maxSteps} steps`);
  }

  write(text: string): void {
    this.s.outBytes += Buffer.byteLength(text, 'utf8');
    if (this.s.outBytes > this.s.limits.maxOutputBytes) this.errorf(`template output exceeds ${this.s.limits.maxOutputBytes} bytes`);
    this.s.out.push(text);
  }

  push(name: string, v: Val): void { this.vars.push([name, v]); }
  mark(): number { return this.vars.length; }
  pop(mark: number): void { this.vars.length = mark; }
  setTopVar(n: number, v: Val): void { this.vars[this.vars.length - n]![1] = v; }
  setVar(name: string, v: Val): void {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]![0] === name) { this.vars[i]![1] = v; return; }
    this.errorf(`undefined variable: ${name}`);
  }
  varValue(name: string): Val {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]![0] === name) return this.vars[i]![1];
    return this.errorf(`undefined variable: ${name}`);
  }

  walk(dot: Val, node: Node): void {
    this.at(node);
    this.step();
    switch (node.kind) {
      case 'action': {
        const v = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) { this.at(node); this.write(v === NO_VALUE ? '<no value>' : formatV(v)); }
        return;
      }
      case 'break': throw BREAK;
      case 'continue': throw CONTINUE;
      case 'if': case 'with': return this.walkIfOrWith(dot, node);
      case 'list': for (const n of node.nodes) this.walk(dot, n); return;
      case 'range': return this.walkRange(dot, node);
      case 'template': return this.walkTemplate(dot, node);
      case 'text': this.write(node.text); return;
      default: this.errorf(`unknown node: ${nodeString(node)}`);
    }
  }

  walkIfOrWith(dot: Val, node: BranchNode): void {
    const mark = this.mark();
    try {
      const v = this.evalPipeline(dot, node.pipe);
      if (isTrue(v)) this.walk(node.kind === 'with' ? v : dot, node.list);
      else if (node.elseList) this.walk(dot, node.elseList);
    } finally { this.pop(mark); }
  }

  walkRange(dot: Val, r: BranchNode): void {
    this.at(r);
    const outer = this.mark();
    try {
      const val = this.evalPipeline(dot, r.pipe);
      const mark = this.mark();
      const one = (index: Val, elem: Val): void => {
        this.rangeVars(r.pipe, index, elem);
        try { this.walk(elem, r.list); } catch (e) { if (e !== CONTINUE) throw e; } finally { this.pop(mark); }
      };
      if (!this.rangeOver(val, r, one) && r.elseList) this.walk(dot, r.elseList);
    } catch (e) {
      if (e !== BREAK) throw e;
    } finally { this.pop(outer); }
  }

  rangeVars(pipe: PipeNode, index: Val, elem: Val): void {
    const d = pipe.decl;
    if (d.length > 0) {
      if (pipe.isAssign) this.setVar(d[0]!.ident[0]!, d.length > 1 ? index : elem);
      else this.setTopVar(1, elem);
    }
    if (d.length > 1) {
      if (pipe.isAssign) this.setVar(d[1]!.ident[0]!, elem);
      else this.setTopVar(2, index);
    }
  }

  /** Runs the iterations; false when there were none (the else branch runs). */
  rangeOver(val: Val, r: BranchNode, one: (index: Val, elem: Val) => void): boolean {
    if (val === NO_VALUE || val === null) return false;
    if (val instanceof GoInt) {
      if (r.pipe.decl.length > 1) this.errorf(`can't use ${redacted(val)} to iterate over more than one variable`);
      for (let i = 0n; i < val.v; i++) { this.step(); one(NO_VALUE, new GoInt(val.type, i)); }
      return val.v > 0n;
    }
    if (val instanceof GoSlice) {
      val.items.forEach((x, i) => { this.step(); one(new GoInt('int', BigInt(i)), x); });
      return val.items.length > 0;
    }
    if (val instanceof GoMap) {
      for (const k of sortedKeys(val)) { this.step(); one(k, val.entries.get(k)!); }
      return val.entries.size > 0;
    }
    return this.errorf(`range can't iterate over ${redacted(val)}`);
  }

  walkTemplate(dot: Val, t: TemplateNode): void {
    this.at(t);
    const tree = this.s.trees.get(t.name);
    if (tree === undefined) this.errorf(`template ${JSON.stringify(t.name)} not defined`);
    if (this.depth >= this.s.limits.maxDepth) this.errorf(`exceeded maximum template depth (${this.s.limits.maxDepth})`);
    const newDot = this.evalPipeline(dot, t.pipe);
    new State(this.s, tree, newDot, this.depth + 1).walk(newDot, tree.root);
  }

  evalPipeline(dot: Val, pipe: PipeNode | undefined): Val {
    if (pipe === undefined) return NO_VALUE;
    this.at(pipe);
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      if (value === null) value = NO_VALUE;
    }
    const v = value as Val;
    for (const variable of pipe.decl) {
      if (pipe.isAssign) this.setVar(variable.ident[0]!, v);
      else this.push(variable.ident[0]!, v);
    }
    return v;
  }

  notAFunction(args: readonly Node[], final: Final): void {
    if (args.length > 1 || final !== MISSING) this.errorf(`can't give argument to non-function ${nodeString(args[0]!)}`);
  }

  evalCommand(dot: Val, cmd: CommandNode, final: Final): Val {
    this.step();
    const first = cmd.args[0]!;
    switch (first.kind) {
      case 'field': return this.evalFieldNode(dot, first, cmd.args, final);
      case 'chain': return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier': return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe': this.notAFunction(cmd.args, final); return this.evalPipeline(dot, first);
      case 'variable': return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.kind) {
      case 'bool': return first.value;
      case 'dot': return dot;
      case 'nil': return this.errorf('nil is not a command');
      case 'number': return this.idealConstant(first);
      case 'string': return first.text;
    }
    return this.errorf(`can't evaluate command ${JSON.stringify(nodeString(first))}`);
  }

  idealConstant(n: NumberNode): Val {
    this.at(n);
    const hexInt = /^0[xX]/.test(n.text) && !/[pP]/.test(n.text);
    if (n.isFloat && !hexInt && n.text[0] !== "'" && /[.eEpP]/.test(n.text)) return new GoFloat('float64', n.float64);
    if (n.isInt) return new GoInt('int', n.int64);
    if (n.isUint) return this.errorf(`${n.text} overflows int`);
    return NO_VALUE;
  }

  evalFieldNode(dot: Val, field: FieldNode, args: readonly Node[], final: Final): Val {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  evalChainNode(dot: Val, chain: ChainNode, args: readonly Node[], final: Final): Val {
    this.at(chain);
    if (chain.node.kind === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, undefined, chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  evalVariableNode(dot: Val, variable: VariableNode, args: readonly Node[], final: Final): Val {
    this.at(variable);
    const value = this.varValue(variable.ident[0]!);
    if (variable.ident.length === 1) { this.notAFunction(args, final); return value; }
    return this.evalFieldChain(dot, value, variable, variable.ident.slice(1), args, final);
  }

  evalFieldChain(dot: Val, receiver: Val, node: Node, ident: readonly string[], args: readonly Node[], final: Final): Val {
    let r = receiver;
    for (let i = 0; i < ident.length - 1; i++) r = this.evalField(ident[i]!, [], MISSING, r);
    return this.evalField(ident[ident.length - 1]!, args, final, r);
  }

  evalField(name: string, args: readonly Node[], final: Final, receiver: Val): Val {
    if (receiver === NO_VALUE) {
      if (this.s.missingKey === 'error') this.errorf(`nil data; no entry for key ${JSON.stringify(name)}`);
      return NO_VALUE;
    }
    if (receiver === null) return this.errorf(`nil pointer evaluating interface {}.${name}`);
    if (receiver instanceof GoMap) {
      if (args.length > 1 || final !== MISSING) this.errorf(`${name} is not a method but has arguments`);
      const v = receiver.entries.get(name);
      if (v !== undefined) return v;
      switch (this.s.missingKey) {
        case 'zero': return zeroOfElem(receiver.elem);
        case 'error': return this.errorf(`map has no entry for key ${JSON.stringify(name)}`);
        default: return NO_VALUE;
      }
    }
    if (receiver instanceof GoObject) {
      // Go looks up a method first; these types have no exported fields.
      const m = receiver.method(name);
      if (m !== undefined) return this.evalCall(NO_VALUE, m, this.node!, name, args.length === 0 ? [this.node!] : args, final);
    }
    return this.errorf(`can't evaluate field ${name} in type ${typeName(receiver)}`);
  }

  evalFunction(dot: Val, node: IdentifierNode, cmd: Node, args: readonly Node[], final: Final): Val {
    this.at(node);
    const f = this.s.funcs.get(node.ident);
    if (f === undefined) return this.errorf(`${JSON.stringify(node.ident)} is not a defined function`);
    return this.evalCall(dot, f, cmd, node.ident, args, final);
  }

  checkArgCount(f: TemplateFunction, name: string, nArgs: number, numIn: number): void {
    const n = f.params.length;
    if (f.variadic) {
      if (numIn < n - 1) this.errorf(`wrong number of args for ${name}: want at least ${n - 1} got ${nArgs}`);
    } else if (numIn !== n) this.errorf(`wrong number of args for ${name}: want ${n} got ${numIn}`);
  }

  evalCall(dot: Val, f: TemplateFunction, node: Node, name: string, allArgs: readonly Node[], final: Final): Val {
    const args = allArgs.slice(1);
    const numIn = args.length + (final !== MISSING ? 1 : 0);
    this.checkArgCount(f, name, args.length, numIn);
    if (name === 'and' || name === 'or') return this.evalAndOr(dot, name, args, final);
    const n = f.params.length;
    const numFixed = f.variadic ? n - 1 : args.length;
    const argv: Val[] = [];
    let i = 0;
    for (; i < numFixed && i < args.length; i++) argv.push(this.evalArg(dot, f.params[i], args[i]!));
    if (f.variadic) for (; i < args.length; i++) argv.push(this.evalArg(dot, f.params[n - 1], args[i]!));
    if (final !== MISSING) {
      const t = f.variadic && numIn - 1 < numFixed ? f.params[numIn - 1] : f.params[n - 1];
      argv.push(this.validateType(final, t));
    }
    try {
      return f.call(argv);
    } catch (e) {
      if (e instanceof TemplateExecError) throw e;
      this.at(node);
      return this.errorf(`error calling ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** `and`/`or`: evaluated lazily, returning the deciding argument itself (Go 1.18+). */
  evalAndOr(dot: Val, name: string, args: readonly Node[], final: Final): Val {
    let v: Val = NO_VALUE;
    for (const a of args) {
      v = this.evalArg(dot, 'value', a);
      if (isTrue(v) === (name === 'or')) return v;
    }
    if (final !== MISSING) v = this.validateType(final, 'value');
    return v;
  }

  validateType(value: Val, t: ParamType | undefined): Val {
    if (value === NO_VALUE) {
      if (t === undefined || t === 'value') return NO_VALUE;
      if (canBeNil(t)) return zeroOf(t);
      return this.errorf(`invalid value; expected ${goTypeName(t)}`);
    }
    if (t === undefined || t === 'value' || t === 'any') return value;
    if (value === null) {
      if (canBeNil(t)) return zeroOf(t);
      return this.errorf(`wrong type for value; expected ${goTypeName(t)}; got interface {}`);
    }
    const actual = typeName(value);
    if (actual !== t) this.errorf(`wrong type for value; expected ${goTypeName(t)}; got ${actual}`);
    return value;
  }

  evalArg(dot: Val, t: ParamType | undefined, n: Node): Val {
    this.at(n);
    switch (n.kind) {
      case 'dot': return this.validateType(dot, t);
      case 'nil':
        if (canBeNil(t)) return zeroOf(t!);
        return this.errorf(`cannot assign nil to ${goTypeName(t)}`);
      case 'field': return this.validateType(this.evalFieldNode(dot, n, [n], MISSING), t);
      case 'variable': return this.validateType(this.evalVariableNode(dot, n, [], MISSING), t);
      case 'pipe': return this.validateType(this.evalPipeline(dot, n), t);
      case 'identifier': return this.validateType(this.evalFunction(dot, n, n, [n], MISSING), t);
      case 'chain': return this.validateType(this.evalChainNode(dot, n, [], MISSING), t);
    }
    return this.evalConstantArg(dot, t, n);
  }

  evalConstantArg(dot: Val, t: ParamType | undefined, n: Node): Val {
    const found = (): never => this.errorf(`expected ${expectedWord(t)}; found ${nodeString(n)}`);
    switch (t) {
      case 'bool': return n.kind === 'bool' ? n.value : found();
      case 'int': case 'int64': case 'int32':
        return n.kind === 'number' && n.isInt ? new GoInt(t, t === 'int32' ? BigInt.asIntN(32, n.int64) : n.int64) : found();
      case 'uint8': case 'uint32': return n.kind === 'number' && n.isUint ? new GoInt(t, BigInt.asUintN(t === 'uint8' ? 8 : 32, n.uint64)) : found();
      case 'float64': return n.kind === 'number' && n.isFloat ? new GoFloat('float64', n.float64) : found();
      case 'string': return n.kind === 'string' ? n.text : found();
      case 'any': case 'value': case undefined:
        if (n.kind === 'bool') return n.value;
        if (n.kind === 'number') return this.idealConstant(n);
        if (n.kind === 'string') return n.text;
        return this.errorf(`can't handle assignment of ${nodeString(n)} to empty interface argument`);
    }
    void dot;
    return this.errorf(`can't handle ${nodeString(n)} for arg of type ${goTypeName(t)}`);
  }
}

/**
 * A value as error messages show it: its Go type only. Go prints the value itself, but template
 * data are secrets and error messages reach logs (docs/templates.md, "Differences from Go").
 */
export const redacted = (v: Val): string => `<${typeName(v)} value>`;

const expectedWord = (t: ParamType | undefined): string =>
  t === 'bool' ? 'bool' : t === 'string' ? 'string' : t === 'float64' ? 'float' : t === 'uint8' || t === 'uint32' ? 'unsigned integer' : 'integer';
const goTypeName = (t: ParamType | undefined): string => (t === 'any' ? 'interface {}' : t === 'value' ? 'reflect.Value' : t ?? '<nil>');

/** Runs template `name` of a parsed set on `data`; returns the output or throws TemplateExecError. */
export function executeTrees(trees: ReadonlyMap<string, Tree>, parseName: string, name: string, data: GoValue, funcs: FuncMap, missingKey: MissingKey, limits: ExecLimits): string {
  const tree = trees.get(name);
  const shared: Shared = { trees, funcs, missingKey, limits, out: [], outBytes: 0, steps: 0 };
  if (tree === undefined) throw new TemplateExecError(`template: no template ${JSON.stringify(name)} associated with template ${JSON.stringify(parseName)}`, 0, 0, 'no such template');
  const state = new State(shared, tree, data, 0);
  try {
    state.walk(data, tree.root);
  } catch (e) {
    if (e === BREAK || e === CONTINUE) state.errorf('break or continue outside range');
    if (e instanceof RangeError && /call stack/.test(e.message)) state.errorf('template nesting too deep');
    throw e;
  }
  return shared.out.join('');
}

export { FuncError, type ListNode };
