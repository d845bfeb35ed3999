import { type NotStoredReason, notStoredByHeaders } from './cacheability.js'
import { assessFreshness, type Freshness } from './freshness.js'
import type { HeaderEntries } from './headers.js'
import type { KeyedRequest } from './key.js'
import type { ResponseCachePolicy } from './options.js'

/** A finished response, as the handler produced it. */
export interface RecordedResponse {
  status: number
  headers: HeaderEntries
  body: Uint8Array
}

/** How a recording ended: a response to store, or why there is none. */
export type RecordingOutcome =
  | { response: RecordedResponse; freshness: Freshness }
  | { notStored: NotStoredReason }

/**
 * Records the response of the one request that runs the handler for a key (the leader of the single
 * flight). The framework adapter feeds it: `start` once the status and headers are final, `write` for
 * each body chunk, then `end`, or `abandon` when the response fails. It settles `outcome` exactly
 * once, as early as it can: at `start` when the headers already rule storing out, so that requests
 * waiting for this response go and run their own handler instead of waiting for the body.
 *
 * The body is buffered only up to `maxBodyBytes`; past that, recording stops and the buffer is freed.
 */
export class ResponseRecorder {
  /** Settles once; never rejects. */
  readonly outcome: Promise<RecordingOutcome>
  readonly #policy: ResponseCachePolicy
  readonly #request: KeyedRequest
  #freshness: Freshness | undefined
  #settle!: (outcome: RecordingOutcome) => void
  #settled = false
  #status: number | undefined
  #headers: HeaderEntries = []
  #chunks: Uint8Array[] = []
  #size = 0

  constructor(policy: ResponseCachePolicy, request: KeyedRequest) {
    this.#policy = policy
    this.#request = request
    this.outcome = new Promise((resolve) => {
      this.#settle = resolve
    })
  }

  /** Whether body chunks are still wanted. */
  get isRecording(): boolean {
    return !this.#settled
  }

  /**
   * The status and headers are final (later calls are ignored). Returns whether the body is still
   * wanted: `false` when the headers rule storing out.
   */
  start(status: number, headers: HeaderEntries): boolean {
    if (this.#settled || this.#status !== undefined) return !this.#settled
    this.#status = status
    this.#headers = headers
    const reason = notStoredByHeaders(status, headers, this.#policy)
    if (reason !== undefined) {
      this.abandon(reason)
      return false
    }
    const freshness = assessFreshness(this.#request, status, headers, this.#policy)
    if ('notStored' in freshness) this.abandon(freshness.notStored)
    else this.#freshness = freshness
    return !this.#settled
  }

  /** One body chunk; may come before `start` (Node.js writes the head lazily). */
  write(chunk: Uint8Array): void {
    if (this.#settled || chunk.byteLength === 0) return
    this.#size += chunk.byteLength
    if (this.#size > this.#policy.maxBodyBytes) {
      this.abandon('too-large')
      return
    }
    // Copied: a framework may reuse the buffer it wrote from.
    this.#chunks.push(Uint8Array.prototype.slice.call(chunk))
  }

  /** The body is complete. */
  end(): void {
    if (this.#settled) return
    if (this.#status === undefined || this.#freshness === undefined) {
      this.abandon('aborted')
      return
    }
    const body = Buffer.concat(this.#chunks, this.#size)
    this.#finish({
      response: { status: this.#status, headers: this.#headers, body },
      freshness: this.#freshness,
    })
  }

  /** The response will not be stored (client gone, streamed body, error). */
  abandon(reason: NotStoredReason): void {
    this.#finish({ notStored: reason })
  }

  #finish(outcome: RecordingOutcome): void {
    if (this.#settled) return
    this.#settled = true
    this.#chunks = []
    this.#settle(outcome)
  }
}
