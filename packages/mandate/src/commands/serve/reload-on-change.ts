import { watch } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import type { Logger } from '@mandate/core'
import type { ReloadTrigger } from './reload-on-hangup.ts'

/** Editors write a file in several steps (truncate, write, rename): one reload after the last. */
const DEBOUNCE_MS = 300

/**
 * Reloads when the configuration file changes, as SIGHUP does (same validation; an invalid file
 * keeps what is in force). The directory is watched, not the file: editors that save by
 * writing a new file and renaming it over the old one would end a watch on the file itself.
 * Returns the function that stops watching; without a file, nothing is watched.
 */
export function reloadOnFileChange(
  file: string | undefined,
  reload: (trigger: ReloadTrigger) => void,
  logger: Logger,
): () => void {
  if (file === undefined) return () => undefined
  const path = resolve(file)
  const name = basename(path)
  let timer: NodeJS.Timeout | undefined
  let watcher: ReturnType<typeof watch>
  try {
    watcher = watch(dirname(path), (_event, changed) => {
      if (changed !== null && changed !== name) return
      clearTimeout(timer)
      timer = setTimeout(() => {
        reload('file changed')
      }, DEBOUNCE_MS)
    })
  } catch (error) {
    logger.warn('configuration file not watched; reload with SIGHUP', {
      error: (error as Error).message,
    })
    return () => undefined
  }
  watcher.on('error', (error) => {
    logger.warn('configuration file watch ended; reload with SIGHUP', { error: error.message })
  })
  watcher.unref()
  return () => {
    clearTimeout(timer)
    watcher.close()
  }
}
