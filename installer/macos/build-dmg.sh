#!/usr/bin/env bash
# macOS: sign FocusGuard.app (hardened runtime), pack it into a .dmg, notarise and staple.
# Run on a Mac after the bundle build (see installer/README.md):
#   .venv/bin/pyinstaller --noconfirm --clean --distpath build/bundle \
#       --workpath build/pyinstaller installer/focusguard.spec
#   installer/macos/build-dmg.sh
# Environment:
#   CODESIGN_IDENTITY  "Developer ID Application: Example Ltd (TEAMID1234)"; unset = an
#                      unsigned dmg (fine for local testing, Gatekeeper will refuse it elsewhere)
#   NOTARY_PROFILE     a notarytool keychain profile, made once with
#                      xcrun notarytool store-credentials <profile> --apple-id ... --team-id ...
#                      unset = sign only, no notarisation
set -euo pipefail
cd "$(dirname "$0")/../.."
APP="${APP:-build/bundle/FocusGuard.app}"
ENTITLEMENTS="installer/macos/entitlements.plist"
VERSION="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' focusguard/__init__.py)"
DMG="build/FocusGuard-$VERSION-macos-$(uname -m).dmg"

[ "$(uname -s)" = Darwin ] || { echo "build-dmg: run this on macOS" >&2; exit 1; }
[ -d "$APP" ] || { echo "build-dmg: $APP not found (build the bundle first)" >&2; exit 1; }
BUNDLE_ID="$(/usr/libexec/PlistBuddy -c 'Print :CFBundleIdentifier' "$APP/Contents/Info.plist")"
[ "$BUNDLE_ID" = "io.focusguard.FocusGuard" ] || { echo "build-dmg: bundle id $BUNDLE_ID" >&2; exit 1; }
[ "$(/usr/libexec/PlistBuddy -c 'Print :LSUIElement' "$APP/Contents/Info.plist")" = true ] \
  || { echo "build-dmg: LSUIElement is not set" >&2; exit 1; }

if [ -n "${CODESIGN_IDENTITY:-}" ]; then
  echo "== codesign (hardened runtime, inside out)"
  sign() {
    codesign --force --timestamp --options runtime --entitlements "$ENTITLEMENTS" \
      --sign "$CODESIGN_IDENTITY" "$@"
  }
  # Every Mach-O file first (libraries, Python extensions, Qt plugins), then the app.
  find "$APP/Contents" -type f \( -name '*.so' -o -name '*.dylib' -o -perm -u+x \) -print0 |
    while IFS= read -r -d '' f; do
      if file -b "$f" | grep -q 'Mach-O'; then sign "$f"; fi
    done
  # Qt frameworks (if the PySide6 build ships .framework folders).
  find "$APP/Contents" -type d -name '*.framework' -print0 |
    while IFS= read -r -d '' fw; do sign "$fw"; done
  sign "$APP"
  codesign --verify --deep --strict --verbose=2 "$APP"
else
  echo "== CODESIGN_IDENTITY unset: building an UNSIGNED dmg"
fi

echo "== dmg"
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
mkdir -p build
rm -f "$DMG"
hdiutil create -volname "FocusGuard" -srcfolder "$STAGE" -fs HFS+ -format UDZO -ov "$DMG"

if [ -n "${CODESIGN_IDENTITY:-}" ]; then
  codesign --force --timestamp --sign "$CODESIGN_IDENTITY" "$DMG"
  if [ -n "${NOTARY_PROFILE:-}" ]; then
    echo "== notarise (xcrun notarytool), then staple"
    xcrun notarytool submit "$DMG" --keychain-profile "$NOTARY_PROFILE" --wait
    xcrun stapler staple "$DMG"
    xcrun stapler validate "$DMG"
    spctl --assess --type open --context context:primary-signature --verbose "$DMG"
  else
    echo "== NOTARY_PROFILE unset: signed, not notarised"
  fi
fi
echo "$DMG"
