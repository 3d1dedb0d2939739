# syntax=docker/dockerfile:1
# Multi-stage: dependencies and the Mini App build in one stage, a slim non-root runtime in the other.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npx tsc --noEmit

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=3000 DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
# tsx runs the TypeScript sources; dev tooling (vite, vitest, drizzle-kit) stays in the build stage
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/core ./core
COPY --from=build /app/db ./db
COPY --from=build /app/migrations ./migrations
COPY --from=build /app/bot ./bot
COPY --from=build /app/scripts ./scripts
COPY --from=build /app/webapp/server ./webapp/server
COPY --from=build /app/webapp/client/dist ./webapp/client/dist
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
CMD ["npx", "tsx", "scripts/start.ts"]
