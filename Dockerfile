# The keeper as a container: `docker build -t imbalance-keeper .` (see README, "Installing and containers").
# Build stage: dev dependencies, contracts compiled with the npm solc (no compiler download), dist/ from tsc.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx hardhat build --quiet && npm run -s build

# Production dependencies only: no Hardhat, tsx, TypeScript or Solidity compilers.
FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    DATA_DIR=/data \
    OPS_HOST=0.0.0.0
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/artifacts/contracts ./artifacts/contracts
COPY --from=build /app/artifacts/@morpho-org ./artifacts/@morpho-org
COPY package.json hardhat.runtime.config.js .env.example ./
COPY bin ./bin
# The journal (nonces, sends in flight) and discovery's index live on the volume: they must outlive the container.
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
# Relative paths in settings (DEPLOYMENT_FILE, a .env) resolve against the working directory: the volume.
WORKDIR /data
EXPOSE 9464
ENTRYPOINT ["node", "/app/bin/keeper.js"]
CMD ["run"]
