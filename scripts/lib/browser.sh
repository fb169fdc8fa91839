# Shared by the scripts that drive headless Chromium (scripts/browser-test.sh and
# scripts/cli-test.sh): Chromium from Debian and the pinned Node tooling of tests/browser.
# Source it after lib/setup.sh, with TOOLS_DIR, CHROMIUM and NODE set.

# ensure_chromium: CHROMIUM is there, installing Debian's chromium when it is the default path.
ensure_chromium() {
    if [[ ! -x $CHROMIUM ]]; then
        [[ $CHROMIUM == /usr/bin/chromium ]] ||
            die "CHROMIUM=$CHROMIUM does not exist or is not executable"
        apt_install chromium
        [[ -x $CHROMIUM ]] || die "chromium was installed but $CHROMIUM is still missing"
    fi
    echo "Chromium: $CHROMIUM"
}

# install_browser_tools: tests/browser's packages, and a Node that runs playwright-core.
install_browser_tools() {
    install_node_tools "$TOOLS_DIR" playwright-core/package.json @modelcontextprotocol/sdk/package.json
    check_node "$NODE" 20 19 "the browser tests (playwright-core, Vite)"
    echo "playwright-core $("$NODE" -p "require('./$TOOLS_DIR/node_modules/playwright-core/package.json').version")," \
        "@modelcontextprotocol/sdk $("$NODE" -p "require('./$TOOLS_DIR/node_modules/@modelcontextprotocol/sdk/package.json').version")"
}
