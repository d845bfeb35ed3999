/**
 * `Symbol.asyncDispose`, or on a runtime that predates it (Node 20.0 to 20.3) the registered symbol
 * that TypeScript's and esbuild's `await using` fall back to. The core's own copy is not public API,
 * and add-ons use the public API only; a symbol needs no sharing to be the same.
 */
export const asyncDispose: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? (Symbol.for('Symbol.asyncDispose') as typeof Symbol.asyncDispose)
