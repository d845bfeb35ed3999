# Seed targets: install-dev, test, check, demo, bench (plus build, lint helpers), chaos and the web examples.
# Each target does its own set-up, so they work on a fresh clone.
.PHONY: install-dev redis browser build typecheck lint test check demo chaos bench example-express example-fastify example-hono example-nestjs example-keyv dashboard-screenshot

NODE_MODULES_STAMP := node_modules/.install-stamp

$(NODE_MODULES_STAMP): package.json package-lock.json
	npm ci
	@touch $@

install-dev: $(NODE_MODULES_STAMP)

redis:
	./scripts/ensure-redis-server.sh

# The dashboard's browser test drives Debian's chromium through playwright-core (never a downloaded browser).
browser:
	./scripts/ensure-chromium.sh

build: install-dev
	npm run build

typecheck: install-dev
	npm run typecheck

lint: install-dev
	npm run lint

test: install-dev redis browser
	npm test

check: install-dev redis browser
	npm run check

# The demo runs without Redis too (L1-only), so a failed install is not fatal here.
demo: install-dev
	-./scripts/ensure-redis-server.sh
	npm run demo

# The fault-injection report (real redis-server processes; prints a table, takes about 30 s).
chaos: install-dev redis
	npm run chaos

# The web examples serve on 127.0.0.1:$${PORT:-3000} until Ctrl-C, against CACHE_REDIS_URL when set,
# else a private redis-server they start themselves: so they need redis-server installed.
example-express example-fastify example-hono example-nestjs example-keyv: example-%: install-dev redis
	npm run example:$*

# Builds the library, installs the peers of bench/ (npm ci --prefix bench) and redis-server, then runs
# the suite; extra flags through BENCH_ARGS, e.g. make bench BENCH_ARGS="--quick --cpu-prof".
bench: install-dev
	npm run bench -- $(BENCH_ARGS)

# Renders docs/dashboard.png: a demo service under load, with an outage, in headless Chromium.
dashboard-screenshot: install-dev redis browser
	npm run dashboard:screenshot
