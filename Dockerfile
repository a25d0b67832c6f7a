# The lockreview GitHub App as a container (docs/github-app.md, "Deploying").
#   docker build -t lockreview-app .
#   docker run -d -p 3000:3000 -e APP_ID=… -e WEBHOOK_SECRET=… \
#     -e PRIVATE_KEY_PATH=/run/secrets/app.pem -v /etc/lockreview/app.pem:/run/secrets/app.pem:ro \
#     lockreview-app
# Configuration is the environment only; several replicas share their state
# with REDIS_URL=redis://redis:6379.

# Build: dev dependencies (TypeScript) compile lib/, then leave.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY scripts/build-if-stale.mjs scripts/
COPY src src
COPY rules rules
COPY bin bin
# `prepare` builds lib/ during the install; then only runtime dependencies stay.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 LOG_FORMAT=json
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/lib lib
COPY --from=build /app/bin bin
COPY app.yml ./
USER node
EXPOSE 3000
# Probot answers GET /ping with PONG.
HEALTHCHECK --interval=30s --timeout=5s CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/ping').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "bin/lockreview-app.js"]
