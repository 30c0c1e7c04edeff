#!/usr/bin/env bash
# Makes sure Docker Engine and a static busybox are here and the engine answers.
# As root on Debian it installs docker.io and busybox-static and starts dockerd;
# elsewhere it says what to install and stops.
set -euo pipefail

say() { printf 'setup: %s\n' "$*" >&2; }
is_root() { [ "$(id -u)" -eq 0 ]; }
is_debian() { [ -f /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; }

static_busybox() {
  for candidate in "$(command -v busybox 2>/dev/null || true)" /bin/busybox /usr/bin/busybox; do
    [ -n "$candidate" ] && [ -x "$candidate" ] || continue
    # A static binary has no program interpreter (no PT_INTERP program header).
    if python3 - "$candidate" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read(1 << 16)
if data[:4] != b"\x7fELF" or data[4] != 2:
    sys.exit(1)
phoff, = struct.unpack_from("<Q", data, 0x20)
phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
types = [struct.unpack_from("<I", data, phoff + i * phentsize)[0] for i in range(phnum)]
sys.exit(1 if 3 in types else 0)
PY
    then
      return 0
    fi
  done
  return 1
}

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
static_busybox || missing+=(busybox-static)

if [ ${#missing[@]} -gt 0 ]; then
  if is_root && is_debian; then
    say "installing ${missing[*]} from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    say "missing: ${missing[*]}"
    say "install Docker Engine (https://docs.docker.com/engine/install/) and a static busybox"
    say "  Debian/Ubuntu: sudo apt-get install docker.io busybox-static"
    say "  Fedora:        sudo dnf install moby-engine busybox"
    say "  Alpine:        sudo apk add docker busybox-static"
    exit 1
  fi
fi

if ! timeout 10 docker info >/dev/null 2>&1; then
  if ! is_root; then
    say "Docker Engine is installed but does not answer: start it (sudo systemctl start docker)"
    say "and make sure you may use it (sudo usermod -aG docker \$USER, then log in again)"
    exit 1
  fi
  say "starting dockerd"
  if command -v systemctl >/dev/null 2>&1 && systemctl is-system-running >/dev/null 2>&1; then
    systemctl start docker
  else
    nohup dockerd >/var/log/servicelab-dockerd.log 2>&1 &
  fi
  for _ in $(seq 1 120); do
    timeout 5 docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  if ! timeout 10 docker info >/dev/null 2>&1; then
    say "dockerd did not come up; see /var/log/servicelab-dockerd.log"
    exit 1
  fi
fi
say "Docker Engine $(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?') answers"
