# xmpp-tls-exporter container image.
# Build:  docker build -t xmpp-tls-exporter .
# Run:    docker run -p 9522:9522 -v xte-data:/app/data xmpp-tls-exporter
#         (the bundled config.example.yaml; its database ./data/xmpp-tls-exporter.db is in /app/data)
# Own config: add -v $PWD/config.yaml:/app/config.yaml:ro and the command serve --config /app/config.yaml
# One-shot scan: docker run --rm xmpp-tls-exporter scan jabber.org

# --- build stage: full dev dependencies, compile TypeScript and better-sqlite3, bundle the CLI ---
FROM node:20-bookworm-slim AS build
# better-sqlite3 is a native addon: compiled here when no prebuilt binary can be downloaded.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build-bundle.mjs ./scripts/
COPY src ./src
# esbuild: the command line in a few files, dist/bundle/ (scripts/build-bundle.mjs); then tsc into dist/.
RUN npm run build
# What the runtime needs besides the bundle: the production dependencies, native addons already built (the bundle
# loads better-sqlite3, bcryptjs and pino's pretty-log workers from node_modules).
RUN npm prune --omit=dev --no-audit --no-fund

# --- runtime stage: production dependencies only, non-root ---------------------------------
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/bundle ./dist/bundle
COPY config.example.yaml ./
COPY docs ./docs
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 9522
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:9522/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
ENTRYPOINT ["node", "/app/dist/bundle/xmpp-tls-exporter.mjs"]
CMD ["serve", "--config", "/app/config.example.yaml"]
