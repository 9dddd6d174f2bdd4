#!/usr/bin/env bash
# Installs FocusGuard from this unpacked tarball.
#   ./install.sh                     per user, into ~/.local (no root needed)
#   sudo ./install.sh --prefix /usr/local    for all users
#   ./install.sh --autostart         also start FocusGuard at login (this user)
# Files: <prefix>/lib/focusguard/ (the app), <prefix>/bin/focusguard (a link),
# <prefix>/share/{applications,metainfo,icons/hicolor}/... (menu entry, icon).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
APP_ID="io.focusguard.FocusGuard"

PREFIX="$HOME/.local"
AUTOSTART=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX="$2"; shift 2 ;;
    --prefix=*) PREFIX="${1#--prefix=}"; shift ;;
    --autostart) AUTOSTART=1; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
LIB="$PREFIX/lib/focusguard"
BIN="$PREFIX/bin/focusguard"

mkdir -p "$PREFIX/lib" "$PREFIX/bin"
rm -rf "$LIB.new"
cp -a "$HERE/focusguard" "$LIB.new"
install -m 0755 "$HERE/uninstall.sh" "$LIB.new/uninstall.sh"
rm -rf "$LIB"
mv "$LIB.new" "$LIB"
ln -sfn "$LIB/focusguard" "$BIN"

# Menu entry with the absolute command: a desktop session's PATH may lack <prefix>/bin.
desktop() {
  sed -e "s|^Exec=focusguard|Exec=$BIN|" -e "s|^TryExec=focusguard|TryExec=$BIN|" "$1" > "$2"
  chmod 0644 "$2"
}
mkdir -p "$PREFIX/share/applications" "$PREFIX/share/metainfo"
desktop "$HERE/share/applications/$APP_ID.desktop" "$PREFIX/share/applications/$APP_ID.desktop"
install -m 0644 "$HERE/share/metainfo/$APP_ID.metainfo.xml" "$PREFIX/share/metainfo/"
(cd "$HERE/share/icons" && find hicolor -type f) | while read -r icon; do
  mkdir -p "$PREFIX/share/icons/$(dirname "$icon")"
  install -m 0644 "$HERE/share/icons/$icon" "$PREFIX/share/icons/$icon"
done
if [ "$AUTOSTART" = 1 ]; then
  AUTODIR="${XDG_CONFIG_HOME:-$HOME/.config}/autostart"
  mkdir -p "$AUTODIR"
  desktop "$HERE/autostart/$APP_ID.desktop" "$AUTODIR/$APP_ID.desktop"
fi
# shellcheck disable=SC2015 # best effort: a missing or failing cache tool is fine
command -v update-desktop-database >/dev/null && update-desktop-database -q "$PREFIX/share/applications" 2>/dev/null || true
# shellcheck disable=SC2015
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$PREFIX/share/icons/hicolor" 2>/dev/null || true
echo "FocusGuard installed: $BIN ($("$BIN" --version 2>/dev/null || echo '?'))"
case ":$PATH:" in *":$PREFIX/bin:"*) ;; *) echo "note: $PREFIX/bin is not on your PATH" ;; esac
