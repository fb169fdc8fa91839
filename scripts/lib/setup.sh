# What the test scripts under scripts/ install or build before they run: Debian packages, the
# pinned Node tooling of a tests/ folder, workspace binaries, the folder for their logs. Source
# it after defining `die`.

# apt_install PACKAGE: installs a Debian package with apt-get, as root or through passwordless
# sudo; dies saying how to install it by hand when neither is possible.
apt_install() {
    local package=$1 sudo=()
    command -v apt-get >/dev/null ||
        die "$package is missing and there is no apt-get to install it"
    if ((EUID != 0)); then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
            sudo=(sudo -n)
        else
            die "$package is missing and it cannot be installed (not root, and no passwordless sudo);" \
                "run: sudo apt-get install -y --no-install-recommends $package"
        fi
    fi
    echo "$package is missing; installing Debian's $package package"
    echo "+ ${sudo[*]:+${sudo[*]} }apt-get update"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q ||
        die "apt-get update failed"
    echo "+ ${sudo[*]:+${sudo[*]} }apt-get install -y --no-install-recommends $package"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$package" ||
        die "apt-get install $package failed"
}

# install_node_tools DIR FILE...: `npm ci` in DIR (a tests/ folder with a lockfile), unless its
# node_modules was installed from this very lockfile and holds every FILE (paths under
# node_modules). NPM_CI_FLAGS (an array, optional) adds flags to npm ci.
install_node_tools() {
    local dir=$1 stamp want file fresh=1
    shift
    stamp=$dir/node_modules/.fastapps-lock-stamp
    want=$(cat "$dir/package.json" "$dir/package-lock.json" | sha256sum | cut -d' ' -f1)
    [[ -f $stamp && $(<"$stamp") == "$want" ]] || fresh=0
    for file in "$@"; do
        [[ -e $dir/node_modules/$file ]] || fresh=0
    done
    if ((fresh == 1)); then
        echo "Node packages up to date ($dir/node_modules)"
        return
    fi
    command -v npm >/dev/null || die "npm not found; it is needed to install $dir"
    local flags=(--no-audit --no-fund ${NPM_CI_FLAGS[@]+"${NPM_CI_FLAGS[@]}"})
    echo "+ npm ci --prefix $dir ${flags[*]}"
    npm ci --prefix "$dir" "${flags[@]}" || die "npm ci in $dir failed"
    printf '%s\n' "$want" >"$stamp"
}

# check_node NODE MAJOR MINOR WHO: NODE runs and is at least Node MAJOR.MINOR, else dies saying
# that WHO needs it.
check_node() {
    local node=$1 want_major=$2 want_minor=$3 who=$4 version major minor
    command -v "$node" >/dev/null || die "Node not found at $node (it is needed by $who)"
    version=$("$node" --version) || die "cannot run $node"
    IFS=. read -r major minor _ <<<"${version#v}"
    if ! [[ $major =~ ^[0-9]+$ && $minor =~ ^[0-9]+$ ]] ||
        ((major < want_major || (major == want_major && minor < want_minor))); then
        die "$node is Node $version; $who needs Node >= $want_major.$want_minor"
    fi
    echo "Node $version: $(command -v "$node")"
}

# cargo_target_dir NODE: prints the target directory as cargo sees it (it honours
# CARGO_TARGET_DIR and the cargo config); NODE reads cargo's JSON.
cargo_target_dir() {
    cargo metadata --format-version 1 --no-deps --locked |
        "$1" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))' ||
        die "cargo metadata failed"
}

# build_binary PACKAGE NODE [OVERRIDE]: sets BINARY to OVERRIDE (a binary given by the caller,
# not built) or else builds the workspace package PACKAGE and sets BINARY to its debug binary of
# the same name, an absolute path either way.
build_binary() {
    local package=$1 node=$2 override=${3:-}
    if [[ -n $override ]]; then
        BINARY=$override
        echo "Using $BINARY (not building)"
    else
        echo "+ cargo build --locked -p $package"
        cargo build --locked -p "$package" || die "cargo build -p $package failed"
        BINARY=$(cargo_target_dir "$node")/debug/$package
    fi
    [[ -x $BINARY ]] || die "binary not found or not executable: $BINARY"
    [[ $BINARY == /* ]] || BINARY=$PWD/$BINARY
}

# make_work_dir NAME [DIR]: sets WORK_DIR to DIR (created when missing; kept afterwards) or to a
# fresh temp folder fastapps-NAME.* (KEEP_WORK_DIR=0: the script may remove it after a success).
# Either way outside the repository, so no log lands in the checkout.
make_work_dir() {
    local name=$1 dir=${2:-}
    if [[ -n $dir ]]; then
        mkdir -p "$dir"
        WORK_DIR=$(cd "$dir" && pwd)
        KEEP_WORK_DIR=1
    else
        WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/fastapps-$name.XXXXXX")
        KEEP_WORK_DIR=0
    fi
    case $WORK_DIR/ in
    "$PWD"/*) die "$dir: the output folder must be outside the repository" ;;
    esac
}
