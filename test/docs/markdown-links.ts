/**
 * A small checker for the relative links of Markdown pages, as GitHub renders them: a link's file
 * must exist, and its `#anchor` must name a heading of that page. Pure functions over the pages'
 * text, so that the checker itself can be tested on pages that live only in memory.
 */
import { posix } from 'node:path'

/** One relative link as written in a page. */
export interface MarkdownLink {
  /** The page the link is written in, e.g. `docs/outages.md`. */
  page: string
  /** 1-based line of the link in that page. */
  line: number
  /** The link's target as written, e.g. `configuration.md#errors` or `#events`. */
  target: string
}

/** A link whose file or anchor does not exist, with the reason. */
export interface BrokenLink extends MarkdownLink {
  reason: string
}

/** `[text](target)` and `![alt](target)`; a target ends at whitespace (before an optional title). */
const INLINE_LINK = /!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g
const EXTERNAL = /^[a-z][a-z0-9+.-]*:/i

/** Lines of `text` with fenced code blocks blanked out, so that code is never read as links or headings. */
function proseLines(text: string): string[] {
  let fence: string | undefined
  return text.split('\n').map((line) => {
    const opener = /^\s*(`{3,}|~{3,})/.exec(line)?.[1]
    if (fence === undefined && opener !== undefined) {
      fence = opener
      return ''
    }
    if (fence !== undefined) {
      if (line.trim().startsWith(fence)) fence = undefined
      return ''
    }
    return line
  })
}

/** `line` without its inline code spans, whose brackets and parentheses are not links. */
function withoutCodeSpans(line: string): string {
  return line.replace(/(`+)[^`]*?\1/g, '')
}

/**
 * The anchor GitHub gives a heading: link syntax reduced to its text, lowercased, every character
 * that is not a letter, digit, space, hyphen or underscore removed, spaces turned into hyphens.
 */
export function headingAnchor(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
    .replace(/ /g, '-')
}

/** The anchors of a page's headings; a repeated heading gets `-1`, `-2`... as on GitHub. */
export function pageAnchors(text: string): Set<string> {
  const anchors = new Set<string>()
  const seen = new Map<string, number>()
  for (const line of proseLines(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1]
    if (heading === undefined) continue
    const base = headingAnchor(heading)
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    anchors.add(count === 0 ? base : `${base}-${count}`)
  }
  return anchors
}

/** The relative links of a page (external `http:`, `mailto:`... links are left out). */
export function relativeLinks(page: string, text: string): MarkdownLink[] {
  const links: MarkdownLink[] = []
  proseLines(text).forEach((line, index) => {
    for (const match of withoutCodeSpans(line).matchAll(INLINE_LINK)) {
      const target = match[1]
      if (target === undefined || EXTERNAL.test(target)) continue
      links.push({ page, line: index + 1, target })
    }
  })
  return links
}

/**
 * Checks every relative link of `pages` (repository-relative path → text). `exists` says whether a
 * repository-relative path is a file or folder; anchors are checked only in Markdown pages, whose
 * text is read through `read` (`undefined` when it cannot be read).
 */
export function brokenLinks(
  pages: ReadonlyMap<string, string>,
  exists: (path: string) => boolean,
  read: (path: string) => string | undefined,
): BrokenLink[] {
  const broken: BrokenLink[] = []
  for (const [page, text] of pages) {
    for (const link of relativeLinks(page, text)) {
      const hashAt = link.target.indexOf('#')
      const file = hashAt === -1 ? link.target : link.target.slice(0, hashAt)
      const anchor = hashAt === -1 ? undefined : decodeURIComponent(link.target.slice(hashAt + 1))
      const path = file === '' ? page : posix.normalize(posix.join(posix.dirname(page), decodeURI(file)))
      if (path.startsWith('../') || !exists(path)) {
        broken.push({ ...link, reason: `no file ${path}` })
        continue
      }
      if (anchor === undefined) continue
      const target = path.endsWith('.md') ? (pages.get(path) ?? read(path)) : undefined
      if (target === undefined) {
        broken.push({ ...link, reason: `an anchor into ${path}, which is not a Markdown page` })
      } else if (!pageAnchors(target).has(anchor)) {
        broken.push({ ...link, reason: `no heading with the anchor #${anchor} in ${path}` })
      }
    }
  }
  return broken
}
