#!/usr/bin/env bash
# Debian packages the test suite uses (run as root): WireGuard userspace and
# tools plus iproute2 for the namespace mesh tests, systemd for
# systemd-socket-activate and systemd-analyze, zsh and fish to check the
# completion files, hyperfine for the whole-command benchmarks.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  echo "error: run as root (sudo $0): it installs Debian packages" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
  wireguard-go wireguard-tools iproute2 iputils-ping iperf3 \
  systemd tmux zsh fish hyperfine procps ca-certificates
