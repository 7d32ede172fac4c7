// Preloaded with `--import` by test/lean-start-up.test.ts: records which npm packages and
// workspace packages a process loads, and writes their names to MANDATE_TEST_LOADED_FILE on exit.
import { writeFileSync } from 'node:fs'
import { registerHooks } from 'node:module'

const loaded = new Set<string>()
registerHooks({
  load(url, context, nextLoad) {
    const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1]
    const workspace = /\/packages\/([^/]+)\/src\//.exec(url)?.[1]
    if (dependency !== undefined) loaded.add(dependency)
    else if (workspace !== undefined) loaded.add(`workspace:${workspace}`)
    return nextLoad(url, context)
  },
})
process.on('exit', () => {
  const file = process.env['MANDATE_TEST_LOADED_FILE']
  if (file !== undefined) writeFileSync(file, JSON.stringify([...loaded].sort()))
})
