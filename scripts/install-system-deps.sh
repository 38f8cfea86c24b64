#!/usr/bin/env bash
# System packages the course tools need beyond the Python environment. Idempotent: safe to run again.
#
#   bubblewrap (bwrap)  sandbox for `dlcourse grade`: each student's kernel runs in its own mount, PID, IPC and
#                       network namespaces and sees only its own copy of the notebook and the course data.
#
# With --test (the test set-up of `make test`), also what the end-to-end tests drive:
#   chromium            Debian's browser, driven by Playwright in tests/test_browser.py (Playwright's own browser
#                       downloads are never used)
#   configurable-http-proxy  JupyterHub's proxy, from the npm registry (tests/test_jupyterhub.py)
#
# Installs with apt-get when it is missing and we are root (or have password-less sudo); otherwise prints
# the command to run. Then checks that bwrap can create a sandbox here (user namespaces allowed) and says how to
# fix it when not. Never fails the set-up of a student's machine (students do not grade); `dlcourse grade`
# refuses to grade without a working sandbox unless given --isolation none.
set -u
export DEBIAN_FRONTEND=noninteractive

check_sandbox() {
    # The same namespaces `dlcourse grade` uses, on the smallest command.
    if out=$(bwrap --unshare-user --unshare-pid --unshare-ipc --unshare-net --ro-bind / / --proc /proc \
                   --dev /dev true 2>&1); then
        echo "system deps: ok (bwrap $(bwrap --version 2>/dev/null | awk '{print $2}'), sandbox works)"
    else
        echo "system deps: bwrap is installed but cannot create a sandbox here: ${out}" >&2
        echo "  allow unprivileged user namespaces, e.g. 'sysctl kernel.unprivileged_userns_clone=1' (Debian)" \
             "or 'sysctl kernel.apparmor_restrict_unprivileged_userns=0' (Ubuntu 24.04); in a container, run it" \
             "with --security-opt seccomp=unconfined or --privileged" >&2
    fi
}

TEST=0
[ "${1:-}" = "--test" ] && TEST=1

install_proxy() {
    # JupyterHub's default proxy is a Node program: npm's global install puts it on PATH.
    [ "$TEST" -eq 1 ] || return 0
    command -v configurable-http-proxy >/dev/null 2>&1 && return 0
    if ! command -v npm >/dev/null 2>&1; then
        echo "system deps: npm is missing, so configurable-http-proxy (JupyterHub's proxy) cannot be installed;" \
             "run: apt-get install -y nodejs npm" >&2
        return 0
    fi
    echo "system deps: installing configurable-http-proxy with npm"
    npm install --global --silent --no-fund --no-audit configurable-http-proxy@5 >/dev/null 2>&1 \
        || echo "system deps: could not install configurable-http-proxy; run: npm install -g configurable-http-proxy" >&2
}

missing=()
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
if [ "$TEST" -eq 1 ]; then
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    command -v npm >/dev/null 2>&1 || missing+=(npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
    check_sandbox
    install_proxy
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "system deps: missing ${missing[*]}; install it with your package manager (e.g. 'dnf install bubblewrap'," \
         "'pacman -S bubblewrap'; macOS has none: grade on Linux, or with --isolation none)." >&2
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
    if ! log=$($SUDO apt-get install -y --no-install-recommends "${missing[@]}" 2>&1); then
        echo "system deps: could not install ${missing[*]}: $(printf '%s\n' "$log" | tail -n 3)" >&2
        echo "  run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
        exit 0
    fi
fi
check_sandbox
install_proxy
