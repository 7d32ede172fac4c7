import type * as Keyring from '@napi-rs/keyring'

import { ClientError } from '../errors.ts'
import type { KeychainBackend } from './encrypted-file-store.ts'

/**
 * The OS keychain through `@napi-rs/keyring` (an optional dependency with prebuilt binaries):
 * macOS Keychain, Windows Credential Manager, and on Linux the Secret Service (GNOME Keyring,
 * KWallet) only, never the kernel keyring, which forgets everything at logout. Resolves
 * `undefined` when the binding is not installed; a keychain that cannot be reached (no Secret
 * Service, locked) fails on first use with `ERR_CLIENT_KEYCHAIN`.
 */
export async function osKeychain(): Promise<KeychainBackend | undefined> {
  let keyring: typeof Keyring
  try {
    keyring = await import('@napi-rs/keyring')
  } catch {
    return undefined
  }
  const entry = (service: string, account: string) =>
    new keyring.AsyncEntry(service, account, { linux: { store: 'secret-service' } })
  const unreachable = (error: unknown) =>
    new ClientError('ERR_CLIENT_KEYCHAIN', 'the OS keychain cannot be reached', { cause: error })
  return {
    getPassword: async (service, account) => {
      try {
        return (await entry(service, account).getPassword()) ?? undefined
      } catch (error) {
        throw unreachable(error)
      }
    },
    setPassword: async (service, account, password) => {
      try {
        await entry(service, account).setPassword(password)
      } catch (error) {
        throw unreachable(error)
      }
    },
  }
}
