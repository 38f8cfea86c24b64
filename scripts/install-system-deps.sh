#!/usr/bin/env bash
# System packages the course tools need beyond the Python environment. Idempotent: safe to run again.
#
#   bubblewrap (bwrap)  sandbox for `dlcourse grade`: each student's kernel runs in its own mount, PID, IPC and
#                       network namespaces and sees only its own copy of the notebook and the course data.
#
# Installs with apt-get when it is missing and we are root (or have password-less sudo); otherwise prints
# the command to run. Never fails the set-up: grading falls back to weaker isolation and says so.
set -u

missing=()
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)

if [ ${#missing[@]} -eq 0 ]; then
    echo "system deps: ok (bwrap $(bwrap --version 2>/dev/null | awk '{print $2}'))"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "system deps: missing ${missing[*]}; install it with your package manager (e.g. 'dnf install bubblewrap'," \
         "'pacman -S bubblewrap', 'brew' has none: grading on macOS runs without a sandbox)." >&2
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "system deps: missing ${missing[*]}; run: sudo apt-get install -y ${missing[*]}" >&2
    exit 0
fi

echo "system deps: installing ${missing[*]} with apt-get"
if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    # The package lists may be missing or stale (fresh containers): refresh once and retry.
    $SUDO apt-get update -qq >/dev/null 2>&1 || true
    if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
        echo "system deps: could not install ${missing[*]}; run: sudo apt-get install -y ${missing[*]}" >&2
        exit 0
    fi
fi
echo "system deps: ok (bwrap $(bwrap --version 2>/dev/null | awk '{print $2}'))"
