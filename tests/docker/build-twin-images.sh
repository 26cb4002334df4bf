#!/usr/bin/env bash
# Builds the twin images the container suite runs: kmlab/wso2is-twin:dev and kmlab/wso2am-twin:dev.
# Publishes tests/KmLab.Twins self-contained for linux-x64, then builds tests/KmLab.Twins/Dockerfile once per product.
# Offline: FROM a locally seeded base image unless BASE_IMAGE names another (e.g. mcr.microsoft.com/dotnet/runtime-deps:10.0).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
twins="$root/tests/KmLab.Twins"
seeded=kmlab/debian-base:bookworm
if [[ -n "${BASE_IMAGE:-}" ]]; then
  base="$BASE_IMAGE"
elif docker image inspect "$seeded" >/dev/null 2>&1 || { command -v debootstrap >/dev/null && ((EUID == 0)); }; then
  # Machines that cannot pull (like CI here) seed a Debian base once with debootstrap.
  base="$seeded"
else
  # An ordinary machine with Docker: the usual .NET base image for self-contained apps.
  base=mcr.microsoft.com/dotnet/runtime-deps:10.0
fi

if [[ "$base" == "$seeded" ]]; then
  bash "$root/tests/docker/seed-base-image.sh" "$base"
fi

echo "twin images: publishing KmLab.Twins (linux-x64, self-contained)"
rm -rf "$twins/bin/image"
dotnet publish "$twins/KmLab.Twins.csproj" -c Release -r linux-x64 --self-contained \
  -o "$twins/bin/image" -nologo -v quiet

build() { # product uid tag
  # --network=none: RUN needs no network, and an engine started with --bridge=none has no default bridge.
  # The output is shown only on failure (the legacy builder also warns about itself on every run).
  local out
  if ! out=$(docker build --quiet --network=none \
      --label kmlab.twin=1 \
      --build-arg "BASE_IMAGE=$base" --build-arg "TWIN_PRODUCT=$1" --build-arg "TWIN_UID=$2" \
      -t "$3" "$twins" 2>&1); then
    echo "$out" >&2
    return 1
  fi
  echo "twin images: built $3"
}
build is 802 kmlab/wso2is-twin:dev
build apim 10001 kmlab/wso2am-twin:dev
# Each rebuild leaves the previous twin images untagged; remove those (and only those: they carry the label).
docker image prune --force --filter label=kmlab.twin=1 >/dev/null
