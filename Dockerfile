# One image for every Switchyard process; the compose file picks the command.
FROM node:20-bookworm-slim AS base
WORKDIR /app
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY proto/package.json proto/
COPY drizzle/package.json drizzle/
COPY edge/package.json edge/
COPY workers/gpu-node/package.json workers/gpu-node/
COPY workers/tts-node/package.json workers/tts-node/
# npm install, not npm ci: node-llama-cpp lists optional platform packages that were never published.
RUN npm install --omit=dev --no-audit --no-fund
COPY . .
ENV HOST=0.0.0.0
EXPOSE 8787
CMD ["npm", "run", "edge"]

# gpu-node on CUDA: node-llama-cpp's CUDA prebuilt needs the CUDA runtime libraries.
FROM nvidia/cuda:12.6.3-runtime-ubuntu24.04 AS gpu
COPY --from=base /usr/local /usr/local
COPY --from=base /app /app
WORKDIR /app
ENV LLAMA_GPU=cuda
CMD ["npm", "run", "gpu-node", "--", "--models", "/models"]

# The gateway compiled ahead (npm run build:node): plain node runs it, without tsx's loader
# (~60 MB less resident memory). The build needs the dev dependencies (esbuild); the image does not.
FROM base AS build
RUN npm install --no-audit --no-fund && npm run build:node

# The default target: what `docker build .` gives. The gateway runs its build; gpu-node and
# tts-node run from source (`npm run gpu-node`, `npm run tts-node`).
FROM base
COPY --from=build /app/dist/node dist/node
CMD ["node", "dist/node/edge.mjs"]
