/**
 * A frozen shallow copy typed as a plain array, so that a resolved value still fits the option
 * type it fills (the configuration is read-only at run time, not only to the compiler).
 */
export function frozen<T>(values: readonly T[]): T[] {
  return Object.freeze([...values]) as T[]
}
