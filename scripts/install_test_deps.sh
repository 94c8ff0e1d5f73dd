#!/usr/bin/env bash
# Debian packages the test suite uses: WireGuard userspace and tools plus
# iproute2 for the namespace mesh tests (nftables for their NAT routers), systemd for systemd-socket-activate
# and systemd-analyze, zsh and fish to check the completion files, groff-base
# to render the man page, hyperfine for the whole-command benchmarks;
# dbus-daemon, dbus-bin (dbus-send), gnome-keyring and libsecret-tools
# (secret-tool) for the Secret Service key store tests (a private session bus
# and keyring); tmux drives the passphrase prompt on a pseudo-terminal;
# faketime (libfaketime) runs devices with clocks a day ahead or a year
# behind in the clock-skew sync test; exfat-fuse and exfatprogs mount a real
# exFAT file system (no permission bits, hard links or symlinks) on a loop
# device for the folder test of an SD card or USB drive. Works
# as root (CI, a root shell on a minimal system without sudo) and as a normal
# user (it asks sudo itself). syncthing and rsync: the folder benchmark
# (bench/folder_bench.ts) runs them side by side with mycel.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    exec sudo -- bash "$0" "$@"
  fi
  echo "error: installing Debian packages needs root, and sudo is not installed" >&2
  echo "hint: run this script as root (su -c 'bash $0')" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
  wireguard-go wireguard-tools iproute2 iputils-ping iperf3 nftables \
  systemd tmux zsh fish groff-base hyperfine procps ca-certificates git \
  dbus-daemon dbus-bin gnome-keyring libsecret-tools faketime \
  syncthing rsync exfat-fuse exfatprogs strace
