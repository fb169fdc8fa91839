# Shared by the scripts that drive headless Chromium (scripts/browser-test.sh and
# scripts/cli-test.sh): installing Chromium from Debian and the pinned Node tooling of
# tests/browser. Source it after defining `die`, with TOOLS_DIR, CHROMIUM and NODE set.

# ---------------------------------------------------------------------------------------
# Chromium, from Debian's packages.

ensure_chromium() {
    if [[ -x $CHROMIUM ]]; then
        echo "Chromium: $CHROMIUM"
        return
    fi
    [[ $CHROMIUM == /usr/bin/chromium ]] ||
        die "CHROMIUM=$CHROMIUM does not exist or is not executable"
    command -v apt-get >/dev/null ||
        die "/usr/bin/chromium is missing and there is no apt-get to install it; install Chromium and set CHROMIUM"
    local sudo=()
    if ((EUID != 0)); then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
            sudo=(sudo -n)
        else
            die "/usr/bin/chromium is missing and it cannot be installed (not root, and no passwordless sudo);" \
                "run: sudo apt-get install -y --no-install-recommends chromium"
        fi
    fi
    echo "/usr/bin/chromium is missing; installing Debian's chromium package"
    echo "+ ${sudo[*]:+${sudo[*]} }apt-get update"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q ||
        die "apt-get update failed"
    echo "+ ${sudo[*]:+${sudo[*]} }apt-get install -y --no-install-recommends chromium"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium ||
        die "apt-get install chromium failed"
    [[ -x $CHROMIUM ]] || die "chromium was installed but $CHROMIUM is still missing"
    echo "Chromium: $CHROMIUM"
}

# ---------------------------------------------------------------------------------------
# Node tooling, installed from the lockfile.

lock_stamp() {
    cat "$TOOLS_DIR/package.json" "$TOOLS_DIR/package-lock.json" | sha256sum | cut -d' ' -f1
}

install_tools() {
    local stamp_file=$TOOLS_DIR/node_modules/.fastapps-lock-stamp want
    want=$(lock_stamp)
    if [[ -f $stamp_file && $(<"$stamp_file") == "$want" &&
        -f $TOOLS_DIR/node_modules/playwright-core/package.json &&
        -f $TOOLS_DIR/node_modules/@modelcontextprotocol/sdk/package.json ]]; then
        echo "Node packages up to date ($TOOLS_DIR/node_modules)"
        return
    fi
    command -v npm >/dev/null || die "npm not found; it is needed to install $TOOLS_DIR"
    echo "+ npm ci --prefix $TOOLS_DIR --no-audit --no-fund"
    npm ci --prefix "$TOOLS_DIR" --no-audit --no-fund ||
        die "npm ci in $TOOLS_DIR failed"
    printf '%s\n' "$want" >"$stamp_file"
}

check_node() {
    local version major
    command -v "$NODE" >/dev/null || die "Node not found (set NODE to a Node >= 20 binary)"
    version=$("$NODE" --version) || die "cannot run $NODE"
    major=${version#v}
    major=${major%%.*}
    if ! [[ $major =~ ^[0-9]+$ ]] || ((major < 20)); then
        die "$NODE is Node $version; playwright-core needs Node >= 20"
    fi
    echo "Node $version: $(command -v "$NODE")"
    echo "playwright-core $("$NODE" -p "require('./$TOOLS_DIR/node_modules/playwright-core/package.json').version")," \
        "@modelcontextprotocol/sdk $("$NODE" -p "require('./$TOOLS_DIR/node_modules/@modelcontextprotocol/sdk/package.json').version")"
}
