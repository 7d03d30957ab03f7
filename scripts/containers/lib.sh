# lib.sh - what scripts/container-test.sh needs to build and run images with podman on a machine without Docker:
# the installs, podman's settings, the Debian base image (cached in ~/.cache/token-broker) and small helpers.
# Sourced, not run. Rootful podman: run as root.

CT_CACHE="${TOKEN_BROKER_CACHE:-$HOME/.cache/token-broker}"
CT_SUITE=bookworm
# One base for the three images of the test: the JRE for the broker, python3 for the fake IdP, curl for the app.
CT_PACKAGES=openjdk-17-jre-headless,python3,curl
CT_CONF=/etc/containers/containers.conf.d/50-token-broker.conf

ct_log() { printf '%s\n' "container-test: $*" >&2; }
ct_die() { ct_log "FAIL: $*"; exit 1; }

# podman, runc and debootstrap from Debian, when missing.
ct_install() {
  [ "$(id -u)" = 0 ] || ct_die "rootful podman: run as root"
  local missing=()
  for tool in podman runc debootstrap nsenter; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  python3 -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
  [ "${#missing[@]}" = 0 ] && return 0
  local pkgs=()
  for m in "${missing[@]}"; do
    case "$m" in nsenter) pkgs+=(util-linux) ;; *) pkgs+=("$m") ;; esac
  done
  ct_log "installing ${pkgs[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
}

# podman's settings for this kind of machine (../shared/TRAPS.md): runc (crun cannot start containers here), the
# cgroupfs manager, ulimits the sandbox allows. A drop-in file of its own, so that /etc/containers/containers.conf
# and its other settings stay as they are; rewritten only when it differs, so running twice changes nothing.
ct_configure() {
  local want
  want=$(cat <<'CONF'
# Written by token-broker's scripts/containers/lib.sh (container test). podman reads it after containers.conf.
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
CONF
)
  if [ "$(cat "$CT_CONF" 2>/dev/null)" != "$want" ]; then
    mkdir -p "$(dirname "$CT_CONF")"
    printf '%s\n' "$want" >"$CT_CONF.tmp" && mv "$CT_CONF.tmp" "$CT_CONF"
    ct_log "wrote $CT_CONF"
  fi
  local rt
  rt=$(podman info --format '{{.Host.OCIRuntime.Name}} {{.Host.CgroupManager}}')
  [ "$rt" = "runc cgroupfs" ] || ct_die "podman uses '$rt', not 'runc cgroupfs': another containers.conf.d file wins?"
}

# The Debian mirror apt already uses.
ct_mirror() {
  local m
  m=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | grep -v security | head -1 || true)
  [ -n "$m" ] || m=$(sed -n 's/^deb  *\(\[[^]]*\] *\)\{0,1\}\(http[^ ]*\) .*/\2/p' /etc/apt/sources.list 2>/dev/null | head -1 || true)
  printf '%s\n' "${m:-http://deb.debian.org/debian}"
}

# Prints the base image's name, importing it (from the cached root file system, made by debootstrap once).
ct_base_image() {
  local key tag tarball
  key=$(printf '%s %s' "$CT_SUITE" "$CT_PACKAGES" | sha256sum | cut -c1-12)
  tag="localhost/token-broker-base:$CT_SUITE-$key"
  tarball="$CT_CACHE/rootfs-$CT_SUITE-$key.tar"
  if podman image exists "$tag"; then
    printf '%s\n' "$tag"
    return 0
  fi
  if [ ! -s "$tarball" ]; then
    local dir
    dir=$(mktemp -d "${TMPDIR:-/tmp}/token-broker-rootfs.XXXXXX")
    ct_log "debootstrap --variant=minbase $CT_SUITE + $CT_PACKAGES from $(ct_mirror) (about 2 minutes, once)"
    debootstrap --variant=minbase --include="$CT_PACKAGES" "$CT_SUITE" "$dir" "$(ct_mirror)" >"$dir.log" 2>&1 \
      || { tail -20 "$dir.log" >&2; ct_die "debootstrap failed (log above)"; }
    rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
    mkdir -p "$CT_CACHE"
    tar -C "$dir" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$dir" "$dir.log"
  fi
  ct_log "importing $tarball as $tag"
  podman import -q --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$tarball" "$tag" >/dev/null
  printf '%s\n' "$tag"
}

# The kustomize render, as KustomizeTests and scripts/k8s-golden.sh do it.
ct_render() {
  if command -v kubectl >/dev/null 2>&1; then kubectl kustomize "$1"; else kustomize build "$1"; fi
}

# curl inside a container's network namespace (its loopback), from the host's curl.
ct_curl() {
  local pid=$1
  shift
  nsenter --target "$pid" --net curl -sS --max-time 5 "$@"
}

# The TCP listeners of a network namespace as "address:port" lines (IPv4 and IPv6), read from /proc.
ct_listeners() {
  python3 - "$1" <<'PY'
import socket, struct, sys
pid = sys.argv[1]
for name, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
    with open("/proc/%s/net/%s" % (pid, name)) as f:
        for line in list(f)[1:]:
            local, state = line.split()[1], line.split()[3]
            if state != "0A":  # LISTEN
                continue
            addr, port = local.split(":")
            raw = bytes.fromhex(addr)
            # /proc prints each 32-bit word in host order
            raw = b"".join(struct.pack("<I", struct.unpack(">I", raw[i:i + 4])[0]) for i in range(0, len(raw), 4))
            print("%s:%d" % (socket.inet_ntop(family, raw), int(port, 16)))
PY
}
