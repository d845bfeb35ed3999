/**
 * What `fastify-plugin` does, in the few lines we need: Fastify reads these well-known symbols off a
 * plugin function to skip encapsulation (so decorators reach the whole app), to name it in errors,
 * and to check the Fastify version it supports. Written here rather than depending on (or bundling)
 * `fastify-plugin`: that package is CommonJS and `require`s `node:path` at load, which an ES module
 * bundle cannot do, and every user would otherwise install it even without Fastify.
 */
export function tagFastifyPlugin<Plugin extends object>(
  plugin: Plugin,
  meta: { name: string; fastify: string },
): Plugin {
  Object.assign(plugin, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: meta.name,
    [Symbol.for('plugin-meta')]: meta,
  })
  return plugin
}
