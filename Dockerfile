# The ACGS-PGP image: one image for every service (`node dist/cli/main.js serve <service>`), or all six with `up`.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
# npm ci runs the build (prepare); dev dependencies are dropped afterwards.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY migrations ./migrations
USER node
EXPOSE 8000 8001 8002 8003 8004 8005
CMD ["node", "dist/cli/main.js", "up"]
