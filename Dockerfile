# syntax=docker/dockerfile:1
# One image for every role: `webhook`, `init`, `agent`, `render`, `mutate`
# (ENTRYPOINT is the bundled CLI; the command is the first argument).
#
# Stage 1 installs with the lockfile and bundles the CLI with esbuild (scripts/bundle.mjs);
# stage 2 fills Node's module compile cache (scripts/bundle-entry.ts) with the runtime image's own
# node, path and user; stage 3 is distroless Node 24: no shell, no package manager, no
# node_modules, only the bundles and their compile cache.
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
COPY contract ./contract
COPY webhook ./webhook
COPY injector ./injector
COPY certs ./certs
COPY scripts ./scripts
# --no-warm: the cache is filled in the `warm` stage instead, since its sub-folder is keyed by the
# Node version and the user id (a cache made here by root with this stage's node would never hit).
RUN node scripts/bundle.mjs --no-warm

# gcr.io/distroless/nodejs24-debian12 keeps node at /nodejs/bin/node and has no shell, so the
# warm-up commands are exec-form RUNs. They load the chunks of every role without doing any work
# (scripts/bundle.mjs WARM_COMMANDS; keep the two lists in step). The cache lands in
# /app/dist/.compile-cache/<node version>-<arch>-<hash>-65532/, the sub-folder the injected
# containers (runAsUser 65532, webhook/pod/security-context.ts) read; it must be made by that user.
FROM gcr.io/distroless/nodejs24-debian12:nonroot AS warm
COPY --from=build --chown=65532:65532 /src/dist /app/dist
USER 65532:65532
RUN ["/nodejs/bin/node", "/app/dist/cli.mjs", "--version"]
RUN ["/nodejs/bin/node", "/app/dist/cli.mjs", "init", "--help"]
# The agent runs with --jitless (webhook/pod/container-base.ts), which keys another sub-folder.
RUN ["/nodejs/bin/node", "--jitless", "/app/dist/cli.mjs", "agent", "--help"]
RUN ["/nodejs/bin/node", "/app/dist/cli.mjs", "webhook", "--help"]

FROM gcr.io/distroless/nodejs24-debian12:nonroot
LABEL org.opencontainers.image.title="ack-secret-injector" \
      org.opencontainers.image.description="Mutating admission webhook and injector for Alibaba Cloud KMS secrets and OOS parameters as files, using each pod's RRSA identity" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
COPY --from=build --chown=0:0 /src/dist /app/dist
# Node writes cache files 0600 for their owner, so they stay owned by 65532. At run time the root
# filesystem is read-only (readOnlyRootFilesystem): Node reads the cache and silently skips
# writing; a pod that runs as another user simply compiles as usual.
COPY --from=warm --chown=65532:65532 /app/dist/.compile-cache /app/dist/.compile-cache
# 65532 is distroless's `nonroot` user; numeric so runAsNonRoot can verify it without /etc/passwd.
USER 65532:65532
EXPOSE 8443
ENTRYPOINT ["/nodejs/bin/node", "/app/dist/cli.mjs"]
CMD ["--help"]
