/**
 * `Symbol.asyncDispose`, or on a runtime that predates it (Node 20.0 to 20.3) the registered symbol
 * that TypeScript's and esbuild's `await using` fall back to: `await using` works either way, without
 * a global polyfill.
 */
export const asyncDispose: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? (Symbol.for('Symbol.asyncDispose') as typeof Symbol.asyncDispose)
