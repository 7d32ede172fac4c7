type Tree = Record<string, unknown>

/** Splits a dotted configuration path into its parent keys and its last key. */
function split(path: string): { parents: string[]; leaf: string } {
  const parents = path.split('.')
  const leaf = parents.pop() ?? path
  return { parents, leaf }
}

/** Sets `value` at `path`, creating or copying the objects on the way. */
export function setPath(tree: Tree, path: string, value: unknown): void {
  const { parents, leaf } = split(path)
  let node = tree
  for (const key of parents) {
    const next = node[key]
    const copy: Tree = typeof next === 'object' && next !== null ? { ...next } : {}
    node[key] = copy
    node = copy
  }
  node[leaf] = value
}

/** Replaces the value at `path` with `change(value)` when there is one. */
export function updatePath(tree: Tree, path: string, change: (value: unknown) => unknown): void {
  const { parents, leaf } = split(path)
  let node: unknown = tree
  for (const key of parents)
    node = typeof node === 'object' && node !== null ? (node as Tree)[key] : undefined
  if (typeof node === 'object' && node !== null && leaf in node) {
    ;(node as Tree)[leaf] = change((node as Tree)[leaf])
  }
}
