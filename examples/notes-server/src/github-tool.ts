import { defineTool } from '@mandate/server'
import type { ProtectedTool } from '@mandate/server'
import type { LinkedCredentials } from '@mandate/server/linking'
import type { CredentialsSource } from './calendar-tool.ts'

/**
 * The third-party access `github_repos` declares: the user's GitHub account with the
 * `read:user` scope only (the public repositories of the signed-in user need no more). The
 * vault refuses this tool any other provider or scope.
 */
export const GITHUB_ACCESS = [{ provider: 'github', scopes: ['read:user'] }] as const

interface Repository {
  full_name: string
  description: string | null
}

/**
 * `github_repos`: the user's most recently updated public GitHub repositories, read through
 * the vault with the user's own linked account. `mandate serve` offers it once an operator has
 * registered GitHub (`mandate providers add github …`, docs/linking.md).
 * @param api the GitHub REST API base (`https://api.github.com`; another origin in tests)
 */
export function githubReposTool(
  linking: CredentialsSource,
  api = 'https://api.github.com',
): ProtectedTool {
  return defineTool(
    'github_repos',
    {
      title: 'My GitHub repositories',
      description:
        "Lists the user's recently updated public GitHub repositories (asks to link GitHub first).",
      annotations: { readOnlyHint: true, openWorldHint: true },
      access: GITHUB_ACCESS,
    },
    async (ctx) => {
      let outcome = await linking.credentials(ctx)
      if (!outcome.ok) return outcome.answer
      let response = await listRepositories(api, outcome.credentials)
      if (response.status === 401) {
        // Revoked at GitHub: the vault refreshes once, or asks the user to link again.
        outcome = await linking.credentials(ctx, { rejected: outcome.credentials })
        if (!outcome.ok) return outcome.answer
        response = await listRepositories(api, outcome.credentials)
      }
      if (!response.ok) {
        return {
          isError: true,
          content: [{ type: 'text', text: `GitHub answered ${String(response.status)}.` }],
        }
      }
      const repositories = (await response.json()) as Repository[]
      const lines = repositories.map(
        (r) => `${r.full_name}${r.description ? `: ${r.description}` : ''}`,
      )
      return { content: [{ type: 'text', text: lines.join('\n') || 'No public repositories.' }] }
    },
  )
}

function listRepositories(api: string, credentials: LinkedCredentials): Promise<Response> {
  // GitHub REST API: "List repositories for the authenticated user".
  const url = new URL('/user/repos', api)
  url.search = new URLSearchParams({
    visibility: 'public',
    sort: 'updated',
    per_page: '10',
  }).toString()
  return fetch(url, {
    headers: {
      authorization: `Bearer ${credentials['github']?.access_token ?? ''}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
    },
    signal: AbortSignal.timeout(10_000),
  })
}
