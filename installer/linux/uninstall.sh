#!/usr/bin/env bash
# Removes FocusGuard installed by install.sh. Keeps your settings, data, logs and the password
# in your keyring unless you pass --purge.
#   <prefix>/lib/focusguard/uninstall.sh [--purge]
# Before uninstalling, release held mail (tray menu, or `focusguard release-all`): this script
# does that too, through the running FocusGuard or, when none runs, through the fail-safe.
set -euo pipefail
APP_ID="io.focusguard.FocusGuard"
HERE="$(cd "$(dirname "$0")" && pwd)"
PURGE=0
[ "${1:-}" = "--purge" ] && PURGE=1
if [ "$(basename "$HERE")" = focusguard ] && [ -x "$HERE/focusguard" ]; then
  PREFIX="$(dirname "$(dirname "$HERE")")"
else
  PREFIX="${PREFIX:-$HOME/.local}"
fi
LIB="$PREFIX/lib/focusguard"

"$LIB/focusguard" release-all >/dev/null 2>&1 || true
# The fail-safe (docs/failsafe.md): with no FocusGuard left to release it later, hand back
# whatever is still held, then remove its systemd user timer.
"$LIB/focusguard" failsafe --release-all --uninstall >/dev/null 2>&1 || true
rm -f "$PREFIX/bin/focusguard" \
  "$PREFIX/share/applications/$APP_ID.desktop" \
  "$PREFIX/share/metainfo/$APP_ID.metainfo.xml" \
  "${XDG_CONFIG_HOME:-$HOME/.config}/autostart/$APP_ID.desktop"
find "$PREFIX/share/icons/hicolor" -name "$APP_ID.*" -delete 2>/dev/null || true
rm -rf "$LIB"
if [ "$PURGE" = 1 ]; then
  # platformdirs' folders for "FocusGuard" (see focusguard/core/paths.py).
  rm -rf "${XDG_CONFIG_HOME:-$HOME/.config}/FocusGuard" \
    "${XDG_DATA_HOME:-$HOME/.local/share}/FocusGuard" \
    "${XDG_STATE_HOME:-$HOME/.local/state}/FocusGuard" \
    "${XDG_CACHE_HOME:-$HOME/.cache}/FocusGuard"
  # shellcheck disable=SC2015
  command -v secret-tool >/dev/null && secret-tool clear service FocusGuard 2>/dev/null || true
  echo "FocusGuard removed, with its settings and data."
else
  echo "FocusGuard removed. Settings and data kept (run with --purge to remove them too)."
fi
