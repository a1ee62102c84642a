/**
 * How a template function is described to the engine: Go's parameter types (they decide how a
 * constant is converted and which values are rejected, as text/template's evalArg/validateType do)
 * and the JavaScript body. A body signals Go's `error` result by throwing FuncError; anything else
 * it throws is treated as a Go panic, which text/template also turns into an execution error.
 */
import type { Val } from './values.ts';

/**
 * A Go parameter type. `value` is reflect.Value (the builtins take raw values, missing ones
 * included); `any` is interface{}; the rest are the Go type names a value must have exactly.
 */
export type ParamType =
  | 'value' | 'any' | 'string' | 'bool' | 'int' | 'int64' | 'int32' | 'uint8' | 'uint32' | 'uint64' | 'float64'
  | '[]interface {}' | '[]string' | 'map[string]interface {}' | 'time.Time' | '*semver.Version';

/** One function: Go parameter types (the last one repeated when variadic) and its body. */
export interface TemplateFunction {
  readonly params: readonly ParamType[];
  readonly variadic?: boolean;
  readonly call: (args: Val[]) => Val;
}

/** A Go function's `error` result: text/template reports "error calling NAME: message". */
export class FuncError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FuncError';
  }
}

/** The function map a template is parsed and executed with. */
export type FuncMap = ReadonlyMap<string, TemplateFunction>;

/** Shorthand for a table entry. */
export function fn(params: readonly ParamType[], call: (args: Val[]) => Val, variadic = false): TemplateFunction {
  return { params, call, variadic };
}
