# One image for every Switchyard process; the compose file picks the command.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY proto/package.json proto/
COPY edge/package.json edge/
COPY workers/gpu-node/package.json workers/gpu-node/
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
ENV HOST=0.0.0.0
EXPOSE 8787
CMD ["npm", "run", "edge"]
