#!/usr/bin/env bash
# build-tools.sh — build the end-to-end test tools (helm, etcd, kube-apiserver, and the node's
# kubelet and containerd) from the Go module proxy with the machine's Go toolchain, into a versioned
# cache folder that later runs reuse.
#
# usage: scripts/build-tools.sh [helm|etcd|kube-apiserver|kubelet|containerd|all|paths]   (default: all)
#   <tool>|all                    build what is missing, then print one binary path per line
#   paths                         print the binary paths without building anything
#
# Layout: ${ACK_SI_TOOLS_DIR:-$HOME/.cache/ack-secret-injector/tools}/<name>-<version>/<name>,
# plus <name>-<version>/build-seconds (wall time of the cold build, quoted in docs/e2e.md) and
# <name>-<version>/build.log. containerd's folder also holds containerd-shim-runc-v2 and ctr.
# test/e2e/tools.ts computes the same paths and passes the versions in
# through ACK_SI_*_VERSION, so both agree on one set of versions.
#
# Why from the Go module proxy: Debian has no kube-apiserver or kubelet, only etcd 3.4 and
# containerd 1.6 (EOL upstream, no CRI RuntimeConfig), and there is no Docker here (see docs/e2e.md).
#
# Concurrency: one flock over the whole run, so two concurrent runs never compile at the same time
# (a kube-apiserver link needs several GB and both cores); the second run waits, then finds the
# binaries present and only prints their paths. Binaries are built into a scratch folder and moved
# into place with rename(2), so a half-written binary is never visible.
set -euo pipefail

HELM_VERSION="${ACK_SI_HELM_VERSION:-v3.19.5}"
ETCD_VERSION="${ACK_SI_ETCD_VERSION:-v3.6.16}"
KUBE_VERSION="${ACK_SI_KUBE_VERSION:-v1.36.3}"
CONTAINERD_VERSION="${ACK_SI_CONTAINERD_VERSION:-v2.4.2}"
ALL_TOOLS=(helm etcd kube-apiserver kubelet containerd)
TOOLS_DIR="${ACK_SI_TOOLS_DIR:-$HOME/.cache/ack-secret-injector/tools}"

log() { printf 'build-tools: %s\n' "$*" >&2; }
die() { printf 'build-tools: ERROR: %s\n' "$*" >&2; exit 1; }

version_of() {
  case "$1" in
    helm) echo "$HELM_VERSION" ;;
    etcd) echo "$ETCD_VERSION" ;;
    kube-apiserver|kubelet) echo "$KUBE_VERSION" ;;
    containerd) echo "$CONTAINERD_VERSION" ;;
    *) die "unknown tool '$1'; accepted: ${ALL_TOOLS[*]}, all, paths" ;;
  esac
}

tool_path() { echo "$TOOLS_DIR/$1-$(version_of "$1")/$1"; }

# --- per-tool builders: each gets a scratch dir ($1) and must leave the binary at $1/out/<name> ---

# helm: its go.mod has no replace directives, so `go install pkg@version` works directly.
# The -X flags mirror helm's Makefile: version for `helm version`, and the default Kubernetes version
# that `helm template`/`helm lint` assume (without them helm 3 assumes 1.20 — pkg/chartutil and
# pkg/lint/rules k8sVersionMajor/Minor); we pin it to the kube-apiserver version we test against.
build_helm() {
  local work="$1" kminor
  kminor=$(echo "$KUBE_VERSION" | cut -d. -f2)
  local ld="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  ld+=" -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  ld+=" -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$kminor"
  ld+=" -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$kminor"
  GOBIN="$work/out" go install -trimpath -ldflags "$ld" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  "$work/out/helm" version --short >&2
}

# etcd: server/v3's go.mod has replace directives (../api, ...), so `go install @version` refuses it;
# a wrapper module that requires it builds, because server/v3 requires its sibling modules at the
# same published version. The package path ends in /v3, so the output name must be given.
build_etcd() {
  local work="$1"
  mkdir -p "$work/mod" && cd "$work/mod"
  go mod init local/etcd-build >/dev/null 2>&1
  go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  go build -trimpath -ldflags "-s -w" -o "$work/out/etcd" go.etcd.io/etcd/server/v3
  "$work/out/etcd" --version >&2
}

# kube-apiserver and kubelet: k8s.io/kubernetes requires its staging modules at the fake version v0.0.0 and maps
# them with `replace => ./staging/...`, which `go install @version` refuses. Steps:
#   1. fetch only the upstream go.mod (go list -m -f '{{.GoMod}}');
#   2. write a wrapper go.mod that requires k8s.io/kubernetes and replaces every staging module named
#      in the upstream go.mod with its published twin (v1.36.3 ↔ v0.36.3), copying the godebug line;
#   3. a tools.go (never built: build tag) keeps the requirement through `go mod tidy`;
#   4. build with the component-base version ldflags so /version and --version report the release
#      instead of v0.0.0-master+$Format:%H$ (k8s.io/component-base/version/base.go).
# Both share the Go build cache, so the kubelet after kube-apiserver compiles only its own ~330
# packages (about 80 s here; ../shared/reference/real-node.md §3).
build_kube_apiserver() { build_kube_command "$1" kube-apiserver; }
build_kubelet() { build_kube_command "$1" kubelet; }

build_kube_command() {
  local work="$1" cmd="$2" minor staging up
  minor=$(echo "$KUBE_VERSION" | cut -d. -f2)
  staging="v0.${KUBE_VERSION#v1.}"
  mkdir -p "$work/mod" && cd "$work/mod"
  export GOFLAGS="-mod=mod -buildvcs=false"
  go mod init local/kube-apiserver-build >/dev/null 2>&1
  # 1.
  up=$(go list -m -f '{{.GoMod}}' "k8s.io/kubernetes@$KUBE_VERSION")
  [ -s "$up" ] || die "could not fetch the go.mod of k8s.io/kubernetes@$KUBE_VERSION"
  # 2.
  {
    echo 'module local/kube-apiserver-build'; echo; echo 'go 1.26.0'; echo
    grep -E '^godebug' "$up" || true
    echo "require k8s.io/kubernetes $KUBE_VERSION"; echo
    echo 'replace ('
    grep -oE '^[[:space:]]*k8s\.io/[A-Za-z0-9._-]+ => \./staging/' "$up" \
      | awk -v s="$staging" '{print "\t" $1 " => " $1 " " s}'
    echo ')'
  } > go.mod
  grep -q "k8s.io/api => k8s.io/api $staging" go.mod \
    || die "no staging replace directives found in the upstream go.mod of $KUBE_VERSION"
  # 3.
  printf '//go:build tools\n\npackage tools\n\nimport _ "k8s.io/kubernetes/cmd/%s"\n' "$cmd" > tools.go
  go mod tidy
  # 4.
  local ld="-s -w"
  ld+=" -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
  ld+=" -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitTreeState=clean"
  ld+=" -X k8s.io/component-base/version.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  go build -trimpath -ldflags "$ld" -o "$work/out/$cmd" "k8s.io/kubernetes/cmd/$cmd"
  "$work/out/$cmd" --version >&2
}

# containerd 2.x: its go.mod has no replace directives, so `go install @version` works. 2.x is the
# line that implements CRI RuntimeConfig, which the 1.36 kubelet reads the cgroup driver from
# (Debian's 1.6 works only through a deprecated fallback). The shim and ctr (image import, debug)
# land next to containerd; the node harness puts that folder first on containerd's PATH.
build_containerd() {
  local work="$1" c
  for c in containerd containerd-shim-runc-v2 ctr; do
    GOBIN="$work/out" go install -trimpath -ldflags "-s -w -X github.com/containerd/containerd/v2/version.Version=$CONTAINERD_VERSION" \
      "github.com/containerd/containerd/v2/cmd/$c@$CONTAINERD_VERSION"
  done
  "$work/out/containerd" --version >&2
}

# Build one tool unless its binary is already cached. Runs under the global lock.
#   1. skip if the binary exists;  2. build in a scratch dir, logging to build.log and the terminal;
#   3. on failure keep the log and exit non-zero with the Go error above;
#   4. on success move the binary into place and record the wall time in build-seconds.
ensure_tool() {
  local name="$1" dest dir work start end rc
  dest=$(tool_path "$name"); dir=$(dirname "$dest")
  # 1.
  if [ -x "$dest" ]; then log "$name $(version_of "$name") cached at $dest"; return 0; fi
  # 2.
  mkdir -p "$dir"
  work=$(mktemp -d "$TOOLS_DIR/.work-$name-XXXXXX")
  log "building $name $(version_of "$name") (cold builds take minutes; kube-apiserver 10-25 min on 2 cores) — log: $dir/build.log"
  start=$(date +%s)
  set +e
  ( set -euo pipefail; export GOTOOLCHAIN=local CGO_ENABLED=0; "build_${name//-/_}" "$work" ) 2>&1 | tee "$dir/build.log" >&2
  rc=${PIPESTATUS[0]}
  set -e
  end=$(date +%s)
  # 3.
  if [ "$rc" -ne 0 ] || [ ! -x "$work/out/$name" ]; then
    rm -rf "$work"
    die "building $name $(version_of "$name") failed (exit $rc); the Go error is above and in $dir/build.log"
  fi
  # 4. (companions first — containerd's shim and ctr — so the main binary appears last)
  local f
  for f in "$work/out"/*; do [ "$f" = "$work/out/$name" ] || mv -f "$f" "$dir/"; done
  mv -f "$work/out/$name" "$dest"
  echo $((end - start)) > "$dir/build-seconds"
  rm -rf "$work"
  log "built $name in $((end - start)) s"
}

main() {
  local target="${1:-all}" names=()
  case "$target" in
    all) names=("${ALL_TOOLS[@]}") ;;
    paths) for n in "${ALL_TOOLS[@]}"; do tool_path "$n"; done; return 0 ;;
    helm|etcd|kube-apiserver|kubelet|containerd) names=("$target") ;;
    *) die "unknown argument '$target'; accepted: ${ALL_TOOLS[*]}, all, paths" ;;
  esac
  [ "$#" -le 1 ] || die "expected at most one argument, got $#: $*"
  command -v go >/dev/null || die "the Go toolchain (go) is not on PATH; it is needed to build ${names[*]}"
  command -v flock >/dev/null || die "flock (util-linux) is not on PATH; it serialises concurrent builds"
  mkdir -p "$TOOLS_DIR"
  exec 9>"$TOOLS_DIR/.build.lock"
  if ! flock -n 9; then
    log "another build-tools.sh holds $TOOLS_DIR/.build.lock; waiting for it"
    flock 9
  fi
  for n in "${names[@]}"; do ensure_tool "$n"; done
  for n in "${names[@]}"; do tool_path "$n"; done
}

main "$@"
