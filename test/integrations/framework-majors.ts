/**
 * The framework majors the integrations support, installed side by side (`express4` and `fastify4` are
 * npm aliases of `express@^4` and `fastify@^4`), so each integration test file runs once per major.
 * The older majors are typed as the current ones: the tests use only what both have.
 */
import express5 from 'express'
import express4 from 'express4'
import fastify5 from 'fastify'
import fastify4 from 'fastify4'

/** One installed major of a framework: a label for test names and its module's default export. */
export interface FrameworkMajor<Module> {
  label: string
  module: Module
}

/** Express 5 and Express 4. */
export const EXPRESS_MAJORS: ReadonlyArray<FrameworkMajor<typeof express5>> = [
  { label: 'Express 5', module: express5 },
  { label: 'Express 4', module: express4 },
]

/** Fastify 5 and Fastify 4. */
export const FASTIFY_MAJORS: ReadonlyArray<FrameworkMajor<typeof fastify5>> = [
  { label: 'Fastify 5', module: fastify5 },
  { label: 'Fastify 4', module: fastify4 as unknown as typeof fastify5 },
]
