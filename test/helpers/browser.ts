/**
 * Headless Chromium for the dashboard tests and the screenshot script: Debian's `chromium` package
 * (installed by `scripts/ensure-chromium.sh`), driven by playwright-core, which never downloads a
 * browser of its own. Deliberately free of Vitest imports: scripts use it through tsx.
 */
import { existsSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'

/** The Chromium binary: `CHROMIUM_PATH`, else Debian's. */
export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
}

/**
 * Launches headless Chromium. `--no-sandbox` because tests run as root here; the background-networking
 * flags keep it from reaching for Google's hosts, which a closed network refuses.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath()
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}: run scripts/ensure-chromium.sh or set CHROMIUM_PATH`,
    )
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}
