# xmpp-tls-exporter container image.
# Build:  docker build -t xmpp-tls-exporter .
# Run:    docker run --rm xmpp-tls-exporter scan jabber.org
# (The daemon and its /metrics port come with the `serve` command; see README.)

# --- build stage: full dev dependencies, compile TypeScript ---------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- runtime stage: production dependencies only, non-root ---------------------------------
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY config.example.yaml ./
COPY docs ./docs
USER node
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["--help"]
