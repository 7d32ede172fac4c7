import { listProviders } from '@mandate/store'
import { userRoles } from '../users/user-roles.ts'
import { listGrants } from '../revocation/operator-grants.ts'
import type { AdminStep } from './admin-env.ts'
import { adminCsrf } from './admin-guard.ts'
import { listAdminClients } from './admin-clients.ts'
import { queryFilter, sectionPage } from './section-page.ts'
import { usersSection } from './sections/users-section.ts'
import { clientsSection } from './sections/clients-section.ts'
import { grantsSection } from './sections/grants-section.ts'
import { providersAdminSection, providersSection } from './sections/providers-section.ts'
import { healthSection } from './sections/health-section.ts'

/** When this process started (the health section's uptime). */
const STARTED = Date.now()

/** `GET /admin`: the first section. */
export const showConsole: AdminStep = (c) => Promise.resolve(c.redirect('/admin/users', 303))

/** `GET /admin/users`: every user with their roles. */
export const showUsers: AdminStep = async (c) => {
  const { deps, operator: op } = c.var
  const list = await Promise.all(
    (await deps.users.list()).map(async (u) => ({
      ...u,
      roles: await userRoles(deps.store, u.id),
    })),
  )
  return sectionPage(c, 'users', usersSection(adminCsrf(deps, op), list, op.user.name))
}

/** `GET /admin/clients`: configured and registered clients. */
export const showClients: AdminStep = async (c) => {
  const { deps, operator: op } = c.var
  const clients = await listAdminClients(deps.store, deps.provider(), deps.configuredClients)
  return sectionPage(c, 'clients', clientsSection(adminCsrf(deps, op), clients))
}

/** `GET /admin/grants?user=&client=`: live grants, with their clients' names. */
export const showGrants: AdminStep = async (c) => {
  const { deps, operator: op } = c.var
  const filter = { user: queryFilter(c, 'user'), client: queryFilter(c, 'client') }
  const grants = (
    await listGrants(deps.store, filter.user === undefined ? {} : { username: filter.user })
  ).filter((g) => filter.client === undefined || g.clientId.includes(filter.client))
  const provider = deps.provider()
  const named = await Promise.all(
    grants.map(async (g) => ({
      ...g,
      clientName:
        (await provider.Client.find(g.clientId).catch(() => undefined))?.clientName ?? g.clientId,
    })),
  )
  return sectionPage(c, 'grants', grantsSection(adminCsrf(deps, op), named, filter))
}

/** `GET /admin/providers`: every provider, with add, test and remove (the host's service). */
export const showProviders: AdminStep = async (c) => {
  const { deps, operator: op } = c.var
  if (deps.providers !== undefined) {
    const list = await deps.providers.list()
    const body = providersAdminSection(adminCsrf(deps, op), list, deps.providers.presets)
    return sectionPage(c, 'providers', body)
  }
  const rows = await listProviders(c.var.deps.store)
  const providers = rows.map((r) => {
    const definition = JSON.parse(r.definition) as { display_name?: string; preset?: string }
    return {
      id: r.id,
      name: definition.display_name ?? definition.preset ?? r.id,
      updatedAt: r.updated_at,
    }
  })
  return sectionPage(c, 'providers', providersSection(providers))
}

/** `GET /admin/health`: database, migrations, uptime, counts. */
export const showHealth: AdminStep = async (c) => {
  const { deps } = c.var
  const database = await deps.store.ping().then(
    () => true,
    () => false,
  )
  const pending = database ? await deps.store.pendingMigrations() : []
  const [users, clients, grants] = await Promise.all([
    deps.users.list().then((l) => l.length),
    listAdminClients(deps.store, deps.provider(), deps.configuredClients).then((l) => l.length),
    listGrants(deps.store).then((l) => l.length),
  ])
  const counts: [number, number, number] = [users, clients, grants]
  return sectionPage(
    c,
    'health',
    healthSection({ database, pending, issuer: deps.issuer, since: STARTED, counts }),
  )
}
