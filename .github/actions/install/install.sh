#!/usr/bin/env bash
# The install action's work (action.yml): download one permsync release
# binary, verify it, put it on PATH. Inputs come from the environment:
#   PERMSYNC_VERSION            vX.Y.Z (required)
#   PERMSYNC_SHA256             expected SHA-256 of the binary (optional)
#   PERMSYNC_SOURCE_COMMIT      the commit the release must be built from
#                               (optional, 40 hex; requires the provenance)
#   PERMSYNC_VERIFY_PROVENANCE  true | auto | false
#   PERMSYNC_REPOSITORY         owner/repo of the releases
#   PERMSYNC_RELEASE_URL        base URL of the release downloads (tests only;
#                               default https://github.com/<repo>/releases/download)
#   PERMSYNC_GH                 the gh command (tests only; default gh)
# action.yml sets every one of these in its step's env, the last two empty,
# so that a workflow's, a job's or $GITHUB_ENV's value never reaches here.
# and the runner's RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP, GITHUB_PATH, GITHUB_OUTPUT.
set -euo pipefail

fail() { echo "::error title=permsync install::$*" >&2; exit 1; }

version=${PERMSYNC_VERSION:-}
repo=${PERMSYNC_REPOSITORY:-AcademySoftwareFoundation/permsync}
verify=${PERMSYNC_VERIFY_PROVENANCE:-auto}
gh=${PERMSYNC_GH:-gh}
source_commit=${PERMSYNC_SOURCE_COMMIT:-}
[[ "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] ||
  fail "version must be a release tag such as v1.2.3, not \"$version\" (pin a version; there is no latest)"
[[ "$repo" =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] || fail "repository must be OWNER/REPO, not \"$repo\""
case "$verify" in true | auto | false) ;; *) fail "verify-provenance must be true, auto or false, not \"$verify\"" ;; esac
if [ -n "$source_commit" ]; then
  [[ "$source_commit" =~ ^[0-9a-f]{40}$ ]] ||
    fail "source-commit must be a full commit SHA (40 lowercase hex digits), not \"$source_commit\""
  # Only the provenance names the commit a release was built from.
  [ "$verify" != false ] || fail "source-commit needs the build provenance: set verify-provenance: \"true\""
  verify=true
fi

case "${RUNNER_OS:-$(uname -s)}" in
  Linux) os=linux ;;
  macOS | Darwin) os=darwin ;;
  Windows | MINGW* | MSYS*) os=windows ;;
  *) fail "no permsync release for the OS ${RUNNER_OS:-$(uname -s)}" ;;
esac
case "${RUNNER_ARCH:-$(uname -m)}" in
  X64 | x86_64 | amd64) arch=amd64 ;;
  ARM64 | arm64 | aarch64) arch=arm64 ;;
  *) fail "no permsync release for the architecture ${RUNNER_ARCH:-$(uname -m)}" ;;
esac
ext=""
[ "$os" = windows ] && ext=.exe
name="permsync_${version}_${os}_${arch}${ext}"
base=${PERMSYNC_RELEASE_URL:-https://github.com/$repo/releases/download}

dir="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/permsync-$version"
rm -rf "$dir"
mkdir -p "$dir"
curl -fsSL --retry 3 --proto '=https,http' -o "$dir/SHA256SUMS" "$base/$version/SHA256SUMS" ||
  fail "cannot download SHA256SUMS of $repo $version: is $version released?"
curl -fsSL --retry 3 --proto '=https,http' -o "$dir/$name" "$base/$version/$name" ||
  fail "cannot download $name of $repo $version"

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1; else shasum -a 256 "$1" | cut -d' ' -f1; fi
}
got=$(sha256 "$dir/$name")
listed=$(awk -v n="$name" '$2 == n || $2 == "*" n { print $1 }' "$dir/SHA256SUMS")
[ -n "$listed" ] || fail "SHA256SUMS of $version does not list $name"
[ "$got" = "$listed" ] || fail "checksum mismatch for $name: SHA256SUMS says $listed, the download is $got"
if [ -n "${PERMSYNC_SHA256:-}" ] && [ "$got" != "${PERMSYNC_SHA256,,}" ]; then
  fail "checksum mismatch for $name: the sha256 input says $PERMSYNC_SHA256, the download is $got"
fi
echo "checksum ok: $name $got"

if [ "$verify" != false ]; then
  if command -v "$gh" >/dev/null 2>&1; then
    # Built by this repository's release workflow on a GitHub-hosted runner,
    # for the tag $version (not a branch, not another tag), and, with
    # source-commit, from that commit: a tag deleted and pushed again at
    # another commit builds a release that fails here. The file verified is
    # the one whose digest SHA256SUMS lists (checked above), so the listed
    # digest is the attested one.
    args=(attestation verify "$dir/$name" --repo "$repo"
      --signer-workflow "github.com/$repo/.github/workflows/release.yml"
      --source-ref "refs/tags/$version" --deny-self-hosted-runners)
    [ -n "$source_commit" ] && args+=(--source-digest "$source_commit")
    "$gh" "${args[@]}" >&2 ||
      fail "the build provenance of $name does not verify: it was not built by $repo's release workflow from refs/tags/$version${source_commit:+ at $source_commit}"
    echo "provenance ok: built by $repo/.github/workflows/release.yml from refs/tags/$version${source_commit:+ at $source_commit}"
  elif [ "$verify" = true ]; then
    fail "verify-provenance is true but gh is not installed"
  else
    echo "::warning title=permsync install::gh is not installed: the build provenance was not verified (the checksum was)"
  fi
fi

mkdir -p "$dir/bin"
mv "$dir/$name" "$dir/bin/permsync$ext"
chmod +x "$dir/bin/permsync$ext"
said=$("$dir/bin/permsync$ext" --version)
case "$said" in
  "permsync $version "*) ;;
  *) fail "the installed binary says \"$said\", not $version" ;;
esac
echo "$said"
[ -n "${GITHUB_PATH:-}" ] && echo "$dir/bin" >>"$GITHUB_PATH"
[ -n "${GITHUB_OUTPUT:-}" ] && echo "path=$dir/bin/permsync$ext" >>"$GITHUB_OUTPUT"
exit 0
