import { access } from 'node:fs/promises'
import { resolve } from 'node:path'

import { ClientError } from '../errors.ts'
import type { KeychainBackend, KeySource } from './encrypted-file-store.ts'
import { fileKeySource, keychainKeySource } from './encrypted-file-store.ts'
import { osKeychain } from './os-keychain.ts'

/** Where {@link defaultKeySource} looks for the credential store's key. */
export interface DefaultKeySourceOptions {
  /** Default: {@link osKeychain}; `null` never uses a keychain. */
  keychain?: KeychainBackend | null
  /** Told once when the key file is used because no keychain could be reached. */
  onFallback?: (reason: string) => void
}

/**
 * The key of the token file at `path`: in the OS keychain when one can be reached, else in a
 * 0600 file at `${path}.key`. The choice sticks: a store that has a key file keeps using it,
 * and a token file without one was keyed in the keychain, so a keychain that is unreachable
 * later is an error (`ERR_CLIENT_KEYCHAIN`), never a fresh key that would orphan the tokens.
 */
export function defaultKeySource(path: string, options: DefaultKeySourceOptions = {}): KeySource {
  const keyFile = `${path}.key`
  let chosen: Promise<KeySource> | undefined
  const choose = async (): Promise<KeySource> => {
    if (await exists(keyFile)) return fileKeySource(keyFile)
    const backend =
      options.keychain === null ? undefined : (options.keychain ?? (await osKeychain()))
    let reason = 'no OS keychain binding is installed'
    if (backend !== undefined) {
      // One entry per token file, so two stores never share a key.
      const source = keychainKeySource(backend, resolve(path))
      try {
        await source.getKey()
        return source
      } catch (error) {
        if (!(error instanceof ClientError) || error.code !== 'ERR_CLIENT_KEYCHAIN') throw error
        reason = error.message
      }
    }
    if (await exists(path)) {
      throw new ClientError(
        'ERR_CLIENT_KEYCHAIN',
        'the token file is keyed in the OS keychain, which cannot be reached',
      )
    }
    options.onFallback?.(reason)
    return fileKeySource(keyFile)
  }
  return {
    getKey: async () => {
      chosen ??= choose()
      return (await chosen).getKey()
    },
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  )
}
