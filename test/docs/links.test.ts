import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { brokenLinks, headingAnchor, pageAnchors, relativeLinks } from './markdown-links.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

function readPage(path: string): string | undefined {
  const file = join(ROOT, path)
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined
}

/** README.md and every page under docs/, by repository-relative path. */
function documentation(): Map<string, string> {
  const paths = [
    'README.md',
    ...readdirSync(join(ROOT, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`),
  ]
  return new Map(paths.map((path) => [path, readPage(path) ?? '']))
}

describe('links of README.md and docs/*.md', () => {
  it('lead to files that exist and to headings that exist', () => {
    const broken = brokenLinks(documentation(), (path) => existsSync(join(ROOT, path)), readPage)
    expect(broken.map((link) => `${link.page}:${link.line} ${link.target}: ${link.reason}`)).toEqual([])
  })

  it('reach every docs page from README.md and from the docs index', () => {
    const pages = [...documentation().keys()].filter((path) => path.startsWith('docs/'))
    expect(pages.length).toBeGreaterThanOrEqual(11)
    const linkedFrom = (page: string, prefix: string): Set<string> =>
      new Set(
        relativeLinks(page, readPage(page) ?? '').map(
          (link) => `${prefix}${link.target.split('#')[0] ?? ''}`,
        ),
      )
    const fromReadme = linkedFrom('README.md', '')
    const fromIndex = linkedFrom('docs/README.md', 'docs/')
    expect(pages.filter((page) => page !== 'docs/README.md' && !fromReadme.has(page))).toEqual([])
    expect(pages.filter((page) => page !== 'docs/README.md' && !fromIndex.has(page))).toEqual([])
  })
})

describe('the link checker', () => {
  it('derives anchors from headings as GitHub does', () => {
    expect(headingAnchor('Outages: what happens, and the chaos report')).toBe(
      'outages-what-happens-and-the-chaos-report',
    )
    expect(headingAnchor('Service options (`CacheFactoryConfig`)')).toBe('service-options-cachefactoryconfig')
    expect(headingAnchor('Tracing (`node:diagnostics_channel`)')).toBe('tracing-nodediagnostics_channel')
    expect(headingAnchor('`new CacheService(config?)`')).toBe('new-cacheserviceconfig')
    expect(headingAnchor('Loading: getOrSet and wrap')).toBe('loading-getorset-and-wrap')
  })

  it('numbers repeated headings and ignores headings in code blocks', () => {
    const anchors = pageAnchors('# Express\n## Options\n```sh\n# not a heading\n```\n## Options\n')
    expect([...anchors]).toEqual(['express', 'options', 'options-1'])
  })

  it('reports a missing file, a missing anchor and an anchor into a non-Markdown file', () => {
    const pages = new Map([
      [
        'docs/a.md',
        [
          '# A',
          '[ok](#a) [ok](b.md#b-page) [ok](../README.md) [ok](https://example.com/#x) [img](pic.png)',
          '[gone](c.md) [bad anchor](b.md#nope) [self](#nope) [into png](pic.png#x)',
          '`[code](missing.md)`',
          '```md',
          '[fenced](missing.md)',
          '```',
        ].join('\n'),
      ],
      ['docs/b.md', '# B page\n'],
    ])
    const files = new Set(['README.md', 'docs/a.md', 'docs/b.md', 'docs/pic.png'])
    const broken = brokenLinks(
      pages,
      (path) => files.has(path),
      () => undefined,
    )
    expect(broken.map((link) => [link.line, link.target])).toEqual([
      [3, 'c.md'],
      [3, 'b.md#nope'],
      [3, '#nope'],
      [3, 'pic.png#x'],
    ])
    expect(broken[1]?.reason).toBe('no heading with the anchor #nope in docs/b.md')
  })

  it('refuses a link that leaves the repository', () => {
    const pages = new Map([['README.md', '[out](../elsewhere.md)']])
    const broken = brokenLinks(
      pages,
      () => true,
      () => undefined,
    )
    expect(broken.map((link) => link.reason)).toEqual(['no file ../elsewhere.md'])
  })
})
