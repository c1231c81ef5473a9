/**
 * The shape of template functions, shared by the executor, the builtins and Ollama's functions.
 * A parameter's Go type decides how an argument is evaluated and checked:
 * - "value": reflect.Value (the builtins since Go 1.18): anything, nil becomes an invalid value;
 * - "any": interface{}: anything, nil becomes a nil interface;
 * - "string": must be a string (printf's format).
 */

export type ParamType = "value" | "any" | "string";

/** A function callable from templates. */
export interface GoFunc {
  /** Fixed parameters. */
  params: ParamType[];
  /** Element type of a trailing variadic parameter, if any. */
  variadic?: ParamType;
  /** Runs the function; throws `FuncError` for Go's non-nil error result. */
  call(args: unknown[]): unknown;
}

/** A function's error result: becomes `error calling NAME: MESSAGE`. */
export class FuncError extends Error {}

/** Options a function table may depend on. */
export interface FuncContext {
  now: () => Date;
}

/** Stands for an index argument of `slice` that is a wrapped interface{} value (Go rejects those). */
export const INTERFACE_INDEX: unique symbol = Symbol("interface{} index");
