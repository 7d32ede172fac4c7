// The SSRF-safe fetch classifies EVERY DNS answer before connecting (catalogue #136; issue 10:
// checking only the first answer must fail a test) and lets public answers through (issue 11
// #1: the positive control the broken guard never had).
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import { createSsrfSafeFetch, NetError } from '@mandate/core/node'
import type { NetErrorCode, Resolver } from '@mandate/core/node'

const code =
  (expected: NetErrorCode) =>
  (e: unknown): boolean =>
    e instanceof NetError && e.code === expected

void describe('createSsrfSafeFetch: DNS answers', () => {
  // The guard runs before any connection; a resolver that aborts the caller's signal lets a
  // test see the guard's verdict without connecting anywhere: an answer that passes ends in the
  // abort, one that does not ends in ERR_NET_BLOCKED.
  class PassedGuard extends Error {}
  const verdict = (...answers: string[]) => {
    const controller = new AbortController()
    const resolve: Resolver = () => {
      controller.abort(new PassedGuard('guard passed'))
      return Promise.resolve(answers)
    }
    return createSsrfSafeFetch({ resolve })('https://rebind.example/', {
      signal: controller.signal,
    })
  }

  void test('issue 11 #1: public DNS answers pass the guard (positive control)', async () => {
    for (const answers of [
      ['8.8.8.8'],
      ['140.82.112.6', '151.101.1.69'],
      ['2606:4700:4700::1111', '1.1.1.1'],
      ['2a00:1450:4001:81c::200e', '2001:4860:4860::8888'],
      ['::ffff:8.8.8.8'],
    ]) {
      await assert.rejects(verdict(...answers), PassedGuard)
    }
  })

  void test('catalogue #136: every DNS answer is classified, not only the first', async () => {
    for (const answers of [
      ['8.8.8.8', '10.1.2.3'],
      ['1.1.1.1', '140.82.112.6', '169.254.169.254'],
      ['2606:4700:4700::1111', 'fd00::1'],
      ['8.8.8.8', '::ffff:127.0.0.1'],
      ['10.1.2.3', '8.8.8.8'],
    ]) {
      await assert.rejects(verdict(...answers), code('ERR_NET_BLOCKED'))
    }
  })
})
