#!/usr/bin/env bash
# Packs the Linux one-folder bundle (build/bundle/focusguard, made by installer/focusguard.spec)
# into build/FocusGuard-<version>-linux-<arch>.tar.gz with the desktop integration files:
#
#   FocusGuard-<version>-linux-<arch>/
#     focusguard/                     the PyInstaller bundle (run ./focusguard/focusguard)
#     share/applications/io.focusguard.FocusGuard.desktop
#     share/metainfo/io.focusguard.FocusGuard.metainfo.xml
#     share/icons/hicolor/<N>x<N>/apps/io.focusguard.FocusGuard.png, scalable/apps/...svg
#     autostart/io.focusguard.FocusGuard.desktop
#     install.sh, uninstall.sh, README.txt
#
# The archive is reproducible for a given bundle: sorted names, owner 0, mtimes from
# SOURCE_DATE_EPOCH (default: the last commit's time). Prints the archive's path.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO="$PWD"
BUNDLE="${1:-build/bundle/focusguard}"
OUT="${2:-build}"
APP_ID="io.focusguard.FocusGuard"

[ -x "$BUNDLE/focusguard" ] || { echo "build-tarball: no bundle at $BUNDLE (build it first)" >&2; exit 1; }
VERSION="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' focusguard/__init__.py)"
[ -n "$VERSION" ] || { echo "build-tarball: cannot read focusguard.__version__" >&2; exit 1; }
ARCH="$(uname -m)"
NAME="FocusGuard-$VERSION-linux-$ARCH"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}"

STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
ROOT="$STAGE/$NAME"
mkdir -p "$ROOT/share/applications" "$ROOT/share/metainfo" "$ROOT/autostart" \
  "$ROOT/share/icons/hicolor/scalable/apps"
cp -a "$BUNDLE" "$ROOT/focusguard"
install -m 0644 "installer/linux/$APP_ID.desktop" "$ROOT/share/applications/"
install -m 0644 "installer/linux/$APP_ID.metainfo.xml" "$ROOT/share/metainfo/"
install -m 0644 "installer/linux/autostart/$APP_ID.desktop" "$ROOT/autostart/"
install -m 0644 "resources/icons/app/$APP_ID.svg" "$ROOT/share/icons/hicolor/scalable/apps/"
for png in resources/icons/app/"$APP_ID"-*.png; do
  n="${png##*-}"; n="${n%.png}"
  mkdir -p "$ROOT/share/icons/hicolor/${n}x${n}/apps"
  install -m 0644 "$png" "$ROOT/share/icons/hicolor/${n}x${n}/apps/$APP_ID.png"
done
install -m 0755 installer/linux/install.sh installer/linux/uninstall.sh "$ROOT/"
cat > "$ROOT/README.txt" <<TXT
FocusGuard $VERSION for Linux ($ARCH)

Run without installing:   ./focusguard/focusguard
Install for this user:    ./install.sh             (into ~/.local; --autostart to start at login)
Install for all users:    sudo ./install.sh --prefix /usr/local
Uninstall:                ~/.local/lib/focusguard/uninstall.sh   (--purge also removes settings)

Try it on a simulated mailbox (no account needed): focusguard demo
TXT

mkdir -p "$OUT"
ARCHIVE="$REPO/$OUT/$NAME.tar.gz"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
  -C "$STAGE" -cf - "$NAME" | gzip -n -6 > "$ARCHIVE"
echo "$ARCHIVE"
