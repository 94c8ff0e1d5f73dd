#!/bin/sh
# Install a compiled mycel binary with its shell completions and man page.
#
#   scripts/install.sh [--prefix DIR] [--uninstall] [BINARY]
#
# BINARY defaults to dist/mycel-<this machine's target> (`deno task compile`).
# The prefix defaults to /usr/local as root and ~/.local otherwise. Files:
#   PREFIX/bin/mycel
#   PREFIX/share/bash-completion/completions/mycel
#   PREFIX/share/zsh/site-functions/_mycel
#   PREFIX/share/fish/vendor_completions.d/mycel.fish
#   PREFIX/share/man/man1/mycel.1
# The completions and the man page come from the installed binary itself
# (`mycel completion SHELL`, `mycel man`), so they always match it. Every
# file is written next to its target and renamed into place. Each step is
# printed; nothing else is touched (run `mycel service install` yourself:
# its units then run PREFIX/bin/mycel when that is on your PATH).
set -eu

usage() {
  echo "usage: $0 [--prefix DIR] [--uninstall] [BINARY]" >&2
  exit 2
}

prefix=""
uninstall=0
binary=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || usage; prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    --uninstall) uninstall=1; shift ;;
    -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "error: unknown option $1" >&2; usage ;;
    *) [ -z "$binary" ] || usage; binary=$1; shift ;;
  esac
done

if [ -z "$prefix" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    prefix=/usr/local
  elif [ -n "${HOME:-}" ]; then
    prefix=$HOME/.local
  else
    echo "error: HOME is not set; give --prefix DIR" >&2
    exit 1
  fi
fi
case "$prefix" in
  /*) ;;
  *) echo "error: the prefix must be an absolute path: $prefix" >&2; exit 2 ;;
esac
prefix=${prefix%/}

bin=$prefix/bin/mycel
bash_file=$prefix/share/bash-completion/completions/mycel
zsh_file=$prefix/share/zsh/site-functions/_mycel
fish_file=$prefix/share/fish/vendor_completions.d/mycel.fish
man_file=$prefix/share/man/man1/mycel.1

if [ "$uninstall" -eq 1 ]; then
  removed=0
  for f in "$bin" "$bash_file" "$zsh_file" "$fish_file" "$man_file"; do
    if [ -e "$f" ] || [ -L "$f" ]; then
      rm -f -- "$f"
      echo "removed $f"
      removed=1
    fi
  done
  [ "$removed" -eq 1 ] || echo "nothing was installed under $prefix"
  exit 0
fi

if [ -z "$binary" ]; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) target=x86_64-unknown-linux-gnu ;;
    Linux-aarch64 | Linux-arm64) target=aarch64-unknown-linux-gnu ;;
    Darwin-x86_64) target=x86_64-apple-darwin ;;
    Darwin-arm64 | Darwin-aarch64) target=aarch64-apple-darwin ;;
    *) echo "error: no mycel build for $(uname -s) $(uname -m)" >&2; exit 1 ;;
  esac
  binary=$(dirname -- "$0")/../dist/mycel-$target
fi
if [ ! -f "$binary" ] || [ ! -x "$binary" ]; then
  echo "error: $binary is not an executable file" >&2
  echo "hint: build it with \`npx deno task compile\`, or name the binary: $0 PATH" >&2
  exit 1
fi

# Put the output of `$3...` (run with its standard output to a temporary
# file next to $1) at $1 with mode $2: the file appears whole or not at all.
place() {
  dest=$1
  mode=$2
  shift 2
  mkdir -p -- "$(dirname -- "$dest")"
  tmp=$(mktemp "$dest.XXXXXX")
  if ! "$@" >"$tmp"; then
    rm -f -- "$tmp"
    echo "error: could not write $dest: \`$*\` failed" >&2
    exit 1
  fi
  chmod "$mode" "$tmp"
  mv -f -- "$tmp" "$dest"
  echo "installed $dest"
}

place "$bin" 755 cat -- "$binary"
version=$("$bin" --version) || {
  echo "error: $bin does not run on this machine" >&2
  exit 1
}
place "$bash_file" 644 "$bin" completion bash
place "$zsh_file" 644 "$bin" completion zsh
place "$fish_file" 644 "$bin" completion fish
place "$man_file" 644 "$bin" man
echo "$version is installed under $prefix"

case ":${PATH:-}:" in
  *":$prefix/bin:"*) ;;
  *) echo "note: $prefix/bin is not on your PATH; add it (e.g. in ~/.profile)" ;;
esac
if [ "$prefix" != /usr/local ] && [ "$prefix" != /usr ]; then
  echo "note: for zsh, add $prefix/share/zsh/site-functions to fpath before compinit"
fi
echo "next: mycel service install (runs sync every 30 s with $bin)"
