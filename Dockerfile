# syntax=docker/dockerfile:1
# One image for every role: `webhook`, `init`, `agent`, `render`, `mutate`
# (ENTRYPOINT is the bundled CLI; the command is the first argument).
#
# Stage 1 installs with the lockfile and bundles the CLI with esbuild (scripts/bundle.mjs);
# stage 2 is distroless Node 24: no shell, no package manager, no node_modules, only the bundles.
# The admission core injects `/nodejs/bin/node /app/dist/cli.mjs init|agent` into pods by default
# (webhook/settings.ts SETTING_DEFAULTS.injectorCommand), so those two paths are a contract.

FROM node:24-bookworm-slim AS build
WORKDIR /src
# Dependencies first, so source edits do not invalidate the npm ci layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY cli ./cli
COPY common ./common
COPY webhook ./webhook
COPY injector ./injector
COPY certs ./certs
COPY scripts ./scripts
RUN npm run build

# gcr.io/distroless/nodejs24-debian12 keeps node at /nodejs/bin/node and has no shell.
FROM gcr.io/distroless/nodejs24-debian12:nonroot
LABEL org.opencontainers.image.title="ack-secret-injector" \
      org.opencontainers.image.description="Mutating admission webhook and injector for Alibaba Cloud KMS secrets and OOS parameters as files, using each pod's RRSA identity" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
COPY --from=build --chown=0:0 /src/dist /app/dist
# 65532 is distroless's `nonroot` user; numeric so runAsNonRoot can verify it without /etc/passwd.
USER 65532:65532
EXPOSE 8443
ENTRYPOINT ["/nodejs/bin/node", "/app/dist/cli.mjs"]
CMD ["--help"]
