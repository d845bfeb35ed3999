import { createHash } from 'node:crypto'

/*
 * The dashboard page: one HTML document with its style and script inline, so that the package serves
 * everything itself (no build step, no CDN, nothing fetched but its own JSON). The script reads
 * `data.json` next to the page every `data-refresh-ms` and draws each cache with DOM calls and SVG;
 * it never uses innerHTML with data, and the page's Content-Security-Policy allows exactly this
 * style and this script (by hash), and requests to its own origin.
 */

const STYLE = `
:root { color-scheme: light dark; --bg: #0f1419; --card: #182029; --line: #2a3440; --text: #e6edf3;
  --muted: #8b98a5; --ok: #3fb950; --warn: #d29922; --bad: #f85149; --accent: #58a6ff; --accent2: #bc8cff; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--text); }
header { display: flex; align-items: baseline; gap: 16px; padding: 16px 24px; border-bottom: 1px solid var(--line); }
header h1 { font-size: 18px; margin: 0; font-weight: 600; }
header .meta { color: var(--muted); font-size: 13px; }
header .meta.stale { color: var(--bad); }
main { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 16px; padding: 16px 24px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px; }
.card-head { display: flex; justify-content: space-between; align-items: center; margin-bottom: 12px; }
.card-head h2 { margin: 0; font-size: 16px; font-weight: 600; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
.badge { padding: 2px 10px; border-radius: 999px; font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: .04em; }
.badge.closed { background: rgba(63,185,80,.15); color: var(--ok); }
.badge.half_open { background: rgba(210,153,34,.15); color: var(--warn); }
.badge.open { background: rgba(248,81,73,.18); color: var(--bad); }
.badge.none { background: rgba(139,152,165,.15); color: var(--muted); }
.tiles { display: grid; grid-template-columns: repeat(4, 1fr); gap: 8px; margin-bottom: 12px; }
.tile { background: rgba(255,255,255,.03); border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; }
.tile .label { color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: .05em; }
.tile .value { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
.tile .sub { color: var(--muted); font-size: 12px; font-variant-numeric: tabular-nums; }
.bar { height: 6px; border-radius: 3px; background: var(--line); margin-top: 6px; overflow: hidden; }
.bar > div { height: 100%; background: var(--accent); width: 0; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
.chart { border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; }
.chart .label { color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: .05em; display: flex; justify-content: space-between; }
.chart svg { width: 100%; height: 90px; display: block; }
.chart .label > span { white-space: nowrap; }
.legend span { margin-left: 8px; }
.legend .p50 { color: var(--accent); } .legend .p95 { color: var(--accent2); } .legend .p99 { color: var(--warn); }
.history { margin-top: 12px; font-size: 12px; color: var(--muted); }
.history .title { margin-top: 6px; color: var(--text); }
.legend .scale { color: var(--muted); text-transform: none; }
[hidden] { display: none !important; }
.history ol { list-style: none; margin: 4px 0 0; padding: 0; max-height: 96px; overflow: auto; }
.history li { font-variant-numeric: tabular-nums; padding: 1px 0; }
.history li b { font-weight: 600; }
.history li b.open { color: var(--bad); } .history li b.half_open { color: var(--warn); } .history li b.closed { color: var(--ok); }
.empty { color: var(--muted); padding: 24px; }
`

const SCRIPT = `
(() => {
  'use strict'
  const refreshMs = Number(document.body.dataset.refreshMs) || 2000
  const dataUrl = location.pathname.replace(/\\/+$/, '') + '/data.json'
  const main = document.querySelector('main')
  const status = document.getElementById('status')
  const cards = new Map()
  const SVG = 'http://www.w3.org/2000/svg'

  const el = (tag, className, text) => {
    const node = document.createElement(tag)
    if (className) node.className = className
    if (text !== undefined) node.textContent = text
    return node
  }
  const svgEl = (tag, attributes) => {
    const node = document.createElementNS(SVG, tag)
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value))
    return node
  }
  const percent = (rate) => (rate === null || rate === undefined ? '–' : (rate * 100).toFixed(1) + '%')
  const ms = (value) => (value === null || value === undefined ? '–' : value < 1 ? value.toFixed(2) + ' ms' : value < 100 ? value.toFixed(1) + ' ms' : Math.round(value) + ' ms')
  const time = (at) => new Date(at).toLocaleTimeString()

  function tile(label, field) {
    const node = el('div', 'tile')
    node.append(el('div', 'label', label))
    const value = el('div', 'value', '–')
    value.dataset.field = field
    const sub = el('div', 'sub', '')
    node.append(value, sub)
    return { node, value, sub }
  }

  function chart(label, legend) {
    const node = el('div', 'chart')
    const head = el('div', 'label')
    head.append(el('span', '', label))
    const keys = el('span', 'legend')
    const scale = el('span', 'scale', '')
    keys.append(scale)
    for (const [name, text] of legend) keys.append(el('span', name, text))
    head.append(keys)
    const svg = svgEl('svg', { viewBox: '0 0 300 90', preserveAspectRatio: 'none', role: 'img', 'aria-label': label })
    node.append(head, svg)
    return { node, svg, scale }
  }

  function createCard(name) {
    const card = el('section', 'card')
    card.dataset.cache = name
    const head = el('div', 'card-head')
    head.append(el('h2', '', name))
    const badge = el('span', 'badge none', 'no L2')
    badge.dataset.field = 'breaker'
    head.append(badge)
    const tiles = el('div', 'tiles')
    const hitRate = tile('Hit rate', 'hit-rate')
    const l1 = tile('L1 fill', 'l1-fill')
    const bar = el('div', 'bar')
    const fill = el('div')
    bar.append(fill)
    l1.node.append(bar)
    const latency = tile('L2 latency p95', 'l2-p95')
    const repairs = tile('Pending repairs', 'pending-repairs')
    tiles.append(hitRate.node, l1.node, latency.node, repairs.node)
    const charts = el('div', 'charts')
    const hitChart = chart('Hit rate over time', [])
    hitChart.scale.textContent = '0 – 100%'
    const latencyChart = chart('L2 latency', [['p50', 'p50'], ['p95', 'p95'], ['p99', 'p99']])
    charts.append(hitChart.node, latencyChart.node)
    const info = el('div', 'history')
    const invalidations = el('div', '', '')
    invalidations.dataset.field = 'invalidations'
    const breakerTitle = el('div', 'title', 'Breaker history')
    const breakerList = el('ol')
    breakerList.dataset.field = 'breaker-history'
    info.append(invalidations, breakerTitle, breakerList)
    card.append(head, tiles, charts, info)
    main.append(card)
    return { card, badge, hitRate, l1, fill, latency, repairs, hitChart, latencyChart, invalidations, breakerList }
  }

  // One polyline per run of values: an interval without data (no lookups, L2 skipped) is a gap.
  function line(svg, values, max, color) {
    const step = values.length > 1 ? 300 / (values.length - 1) : 300
    const runs = [[]]
    values.forEach((value, index) => {
      if (value === null || value === undefined) {
        if (runs[runs.length - 1].length > 0) runs.push([])
        return
      }
      runs[runs.length - 1].push([index * step, 88 - (Math.min(value, max) / max) * 84])
    })
    for (const run of runs) {
      if (run.length === 0) continue
      if (run.length === 1) run.push([run[0][0] + Math.min(step, 4), run[0][1]])
      const points = run.map(([x, y]) => x.toFixed(1) + ',' + y.toFixed(1)).join(' ')
      svg.append(svgEl('polyline', { points, fill: 'none', stroke: color, 'stroke-width': 1.6, 'vector-effect': 'non-scaling-stroke' }))
    }
  }

  function drawHitRate(svg, history) {
    svg.replaceChildren(svgEl('line', { x1: 0, x2: 300, y1: 4, y2: 4, stroke: 'currentColor', 'stroke-opacity': 0.15 }))
    line(svg, history.map((point) => point.hitRate), 1, 'var(--accent)')
  }

  function drawLatency(chartParts, history) {
    const svg = chartParts.svg
    svg.replaceChildren()
    const max = Math.max(0.001, ...history.map((point) => (point.latency ? point.latency.p99 : 0)))
    chartParts.scale.textContent = 'top ' + ms(max)
    line(svg, history.map((point) => point.latency && point.latency.p50), max, 'var(--accent)')
    line(svg, history.map((point) => point.latency && point.latency.p95), max, 'var(--accent2)')
    line(svg, history.map((point) => point.latency && point.latency.p99), max, 'var(--warn)')
  }

  function render(cache) {
    let card = cards.get(cache.name)
    if (!card) {
      card = createCard(cache.name)
      cards.set(cache.name, card)
    }
    const state = cache.l2.enabled ? cache.l2.breaker.state : 'none'
    card.badge.className = 'badge ' + state
    card.badge.textContent = state === 'none' ? 'no L2' : state.replace('_', '-')
    card.hitRate.value.textContent = percent(cache.hitRate.total)
    card.hitRate.sub.textContent = cache.hitRate.lookups + ' lookups'
    if (cache.l1.enabled) {
      card.l1.value.textContent = cache.l1.usagePercent.toFixed(1) + '%'
      card.l1.sub.textContent = cache.l1.size + ' / ' + cache.l1.maxSize
      card.fill.style.width = Math.min(100, cache.l1.usagePercent) + '%'
    } else {
      card.l1.value.textContent = 'off'
      card.l1.sub.textContent = 'no L1'
    }
    card.fill.parentElement.hidden = !cache.l1.enabled
    const latency = cache.l2.latency
    card.latency.value.textContent = latency ? ms(latency.p95) : '–'
    card.latency.sub.textContent = latency ? 'p50 ' + ms(latency.p50) + ' · p99 ' + ms(latency.p99) : 'no L2 calls yet'
    card.repairs.value.textContent = cache.l2.enabled ? String(cache.l2.pendingRepairs) : '–'
    card.repairs.sub.textContent = cache.l2.enabled ? cache.l2.repairs + ' replayed' : ''
    const invalidation = cache.invalidation
    card.invalidations.textContent = 'Invalidations (' + invalidation.mode + '): ' + invalidation.messagesSent + ' sent, ' +
      invalidation.messagesReceived + ' received, ' + invalidation.keysInvalidated + ' L1 entries dropped'
    drawHitRate(card.hitChart.svg, cache.history)
    drawLatency(card.latencyChart, cache.history)
    const items = cache.l2.breaker.history.slice().reverse().map((transition) => {
      const item = el('li')
      item.append(time(transition.at) + ' ', el('b', transition.state, transition.state.replace('_', '-')), ' (from ' + transition.previous.replace('_', '-') + ')')
      return item
    })
    if (items.length === 0) items.push(el('li', '', cache.l2.enabled ? 'no transition since the dashboard started' : 'no L2'))
    card.breakerList.replaceChildren(...items)
  }

  async function refresh() {
    try {
      const response = await fetch(dataUrl, { cache: 'no-store', credentials: 'same-origin' })
      if (!response.ok) throw new Error('HTTP ' + response.status)
      const data = await response.json()
      for (const cache of data.caches) render(cache)
      for (const [name, card] of cards) {
        if (!data.caches.some((cache) => cache.name === name)) {
          card.card.remove()
          cards.delete(name)
        }
      }
      const empty = main.querySelector('.empty')
      if (data.caches.length === 0 && !empty) main.append(el('div', 'empty', 'This service has no cache yet.'))
      if (data.caches.length > 0 && empty) empty.remove()
      status.className = 'meta'
      status.textContent = 'L2 ' + data.service.l2.backend + ': ' + data.service.l2.status + ' · updated ' + time(data.generatedAt)
    } catch (error) {
      status.className = 'meta stale'
      status.textContent = 'cannot refresh: ' + error.message
    } finally {
      setTimeout(refresh, refreshMs)
    }
  }
  refresh()
})()
`

/** `'sha256-<base64>'` of a text, as a Content-Security-Policy source. */
function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`
}

/** The page's Content-Security-Policy: its own style and script only, requests to its own origin only. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  `script-src ${cspHash(SCRIPT)}`,
  `style-src ${cspHash(STYLE)}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

/** The page, polling its JSON every `refreshMs`. */
export function dashboardHtml(refreshMs: number): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>resilient-cache dashboard</title>
<style>${STYLE}</style>
</head>
<body data-refresh-ms="${Math.round(refreshMs)}">
<header><h1>resilient-cache</h1><span id="status" class="meta">loading…</span></header>
<main></main>
<script>${SCRIPT}</script>
</body>
</html>
`
}
