#!/usr/bin/env bash
# Regenerates the app icon's raster forms from resources/icons/app/io.focusguard.FocusGuard.svg
# (the one source). Debian tools only:
#   apt-get install librsvg2-bin imagemagick icnsutils
# Writes, next to the SVG:
#   io.focusguard.FocusGuard-<N>.png  (N = 16 24 32 48 64 128 256; Linux hicolor sizes)
#   io.focusguard.FocusGuard.ico      (Windows: 16, 24, 32, 48, 64, 256)
#   io.focusguard.FocusGuard.icns     (macOS: 16, 32, 48, 128, 256, 512)
# The results are committed (small), so a bundle build needs none of these tools.
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR=resources/icons/app
SVG="$DIR/io.focusguard.FocusGuard.svg"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

for tool in rsvg-convert convert png2icns; do
  command -v "$tool" >/dev/null || { echo "build-icons: $tool missing (see header)" >&2; exit 1; }
done

render() { rsvg-convert --width "$1" --height "$1" --keep-aspect-ratio "$SVG" -o "$2"; }

for n in 16 24 32 48 64 128 256; do
  render "$n" "$TMP/$n.png"
  # Strip metadata (timestamps) so a rebuild gives the same bytes.
  convert "$TMP/$n.png" -strip -define png:exclude-chunks=date,time "$DIR/io.focusguard.FocusGuard-$n.png"
done

convert "$TMP/16.png" "$TMP/24.png" "$TMP/32.png" "$TMP/48.png" "$TMP/64.png" "$TMP/256.png" \
  -strip "$DIR/io.focusguard.FocusGuard.ico"

render 512 "$TMP/512.png"
png2icns "$DIR/io.focusguard.FocusGuard.icns" \
  "$TMP/16.png" "$TMP/32.png" "$TMP/48.png" "$TMP/128.png" "$TMP/256.png" "$TMP/512.png" >/dev/null

du -ch "$DIR"/* | tail -n 1
