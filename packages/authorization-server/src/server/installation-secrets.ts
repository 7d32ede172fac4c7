import { randomBytes } from 'node:crypto'
import { getMeta, setMetaIfAbsent } from '@mandate/store'
import { openValue, sealValue } from '@mandate/vault'
import type { AuthorizationServerConfig } from '../config/resolve-config.ts'
import type { InstallationSecrets } from '../provider/provider-context.ts'

/**
 * The installation's cookie and DPoP-nonce secrets: created once by whichever instance starts
 * first (atomic set-if-absent), shared by every instance, sealed at rest in the vault's envelope.
 */
export async function openInstallationSecrets(
  config: AuthorizationServerConfig,
): Promise<InstallationSecrets> {
  const cookieSecret = await installationSecret(config, 'as.cookie-secret')
  const dpopNonceSecret = await installationSecret(config, 'as.dpop-nonce-secret')
  return Object.freeze({
    cookieSecret,
    dpopNonceSecret: Buffer.from(dpopNonceSecret, 'base64url'),
  })
}

/** A random secret of the installation (256 bits), created once, sealed at rest. */
async function installationSecret(
  config: AuthorizationServerConfig,
  name: string,
): Promise<string> {
  const context = { purpose: 'installation_secret', recordId: name } as const
  const existing = await getMeta(config.store, name)
  const stored =
    existing ??
    (await setMetaIfAbsent(
      config.store,
      name,
      await sealValue(config.keys, context, randomBytes(32).toString('base64url')),
    ))
  return openValue(config.keys, context, stored)
}
