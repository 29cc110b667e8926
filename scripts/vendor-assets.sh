#!/usr/bin/env bash
# Vendor the U.S. Web Design System (USWDS) front-end assets into
# static/vendor/uswds/ so the app serves them itself (no CDN at run time).
#
# Usage (from the project root):  bash scripts/vendor-assets.sh
#
# Installs the exact version pinned in package.json / package-lock.json with
# `npm ci`, then copies only what the compiled CSS and the base template need:
#   css/uswds.min.css, js/uswds.min.js, js/uswds-init.min.js,
#   every font and image file that uswds.min.css references via url(...),
#   a few images used directly in markup (banner, sprite), LICENSE.md, VERSION.
# Idempotent: the target folder is removed and rebuilt on every run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PKG_DIR="node_modules/@uswds/uswds"
SRC="$PKG_DIR/dist"
DEST="static/vendor/uswds"

npm ci --no-audit --no-fund

if [[ ! -f "$SRC/css/uswds.min.css" ]]; then
  echo "error: $SRC/css/uswds.min.css not found after npm ci" >&2
  exit 1
fi

rm -rf "$DEST"
mkdir -p "$DEST"

# copy_rel RELPATH: copy $SRC/RELPATH to $DEST/RELPATH, creating folders.
copy_rel() {
  local rel="$1"
  if [[ ! -f "$SRC/$rel" ]]; then
    echo "error: $SRC/$rel does not exist" >&2
    return 1
  fi
  mkdir -p "$DEST/$(dirname "$rel")"
  cp "$SRC/$rel" "$DEST/$rel"
}

# Core CSS and JS.
copy_rel css/uswds.min.css
copy_rel js/uswds.min.js
copy_rel js/uswds-init.min.js

# Every relative url(...) in the compiled CSS, resolved against css/ and
# expressed relative to dist/. Skips empty url(), data:, absolute and
# scheme URLs; strips ?query and #fragment. Fails if a path escapes dist/.
mapfile -t CSS_REFS < <(node - "$SRC/css/uswds.min.css" <<'JS'
const fs = require("fs");
const path = require("path");
const css = fs.readFileSync(process.argv[2], "utf8");
const re = /url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"]*?))\s*\)/g;
const out = new Set();
let m;
while ((m = re.exec(css)) !== null) {
  let u = (m[1] ?? m[2] ?? m[3] ?? "").trim();
  if (!u || /^(data:|[a-z][a-z0-9+.-]*:|\/|#)/i.test(u)) continue;
  u = u.split(/[?#]/)[0];
  const rel = path.posix.normalize(path.posix.join("css", u));
  if (rel.startsWith("..")) {
    console.error(`error: CSS url escapes dist/: ${u}`);
    process.exit(1);
  }
  out.add(rel);
}
for (const r of [...out].sort()) console.log(r);
JS
)
if [[ ${#CSS_REFS[@]} -eq 0 ]]; then
  echo "error: no url(...) references found in uswds.min.css" >&2
  exit 1
fi
for rel in "${CSS_REFS[@]}"; do
  copy_rel "$rel"
done

# Images used directly in markup (USWDS banner, icon sprite).
for rel in img/sprite.svg img/us_flag_small.png img/icon-dot-gov.svg img/icon-https.svg; do
  copy_rel "$rel"
done
# img/close.svg existed in older releases; in 3.x the close icon is
# img/usa-icons/close.svg (already copied above, as the CSS references it).
if [[ -f "$SRC/img/close.svg" ]]; then
  copy_rel img/close.svg
fi

cp "$PKG_DIR/LICENSE.md" "$DEST/LICENSE.md"
node -p 'require("./node_modules/@uswds/uswds/package.json").version' > "$DEST/VERSION"

echo "Vendored USWDS $(cat "$DEST/VERSION") into $DEST:" \
  "${#CSS_REFS[@]} CSS-referenced files, $(find "$DEST" -type f | wc -l) files in total," \
  "$(du -sh "$DEST" | cut -f1)"
