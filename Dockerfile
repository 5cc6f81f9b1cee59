# occ-gateway: multi-stage image (docs/operations.md).
# build: the dev dependencies, tsc and the web bundles (npm run build);
# runtime: Node 20 slim, production dependencies only, the built dist/, a non-root user.

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY spec ./spec
COPY src ./src
COPY sandbox ./sandbox
COPY bench ./bench
COPY web ./web
RUN npm run build

FROM node:20-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The image's own user (uid 1000), not root; the gateway writes nothing to disk.
USER node
EXPOSE 4000
# SIGTERM starts the graceful stop: /readyz 503, SHUTDOWN_DRAIN_MS of serving, then in-flight work
# gets SHUTDOWN_TIMEOUT_MS. Give the container at least their sum plus a few seconds to stop.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "require('http').get({ host: '127.0.0.1', port: process.env.PORT || 4000, path: '/healthz', timeout: 2000 }, (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]
