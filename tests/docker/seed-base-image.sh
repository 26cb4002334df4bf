#!/usr/bin/env bash
# Seeds the base image the twin images build FROM, on machines that cannot pull from a registry:
# a minimal Debian (debootstrap) with what a self-contained .NET app needs for TLS, imported as a local tag.
# Idempotent: does nothing when the tag exists. Needs root, debootstrap and a running Docker engine.
set -euo pipefail

image="${1:-kmlab/debian-base:bookworm}"

if docker image inspect "$image" >/dev/null 2>&1; then
  echo "base image $image: present"
  exit 0
fi

rootfs="$(mktemp -d /tmp/kmlab-rootfs.XXXXXX)"
trap 'rm -rf "$rootfs"' EXIT

echo "base image $image: seeding with debootstrap (about a minute)"
# libssl3 and ca-certificates: TLS for Kestrel and HttpClient. No ICU: the twins use invariant globalization.
debootstrap --variant=minbase --include=libssl3,ca-certificates bookworm "$rootfs" >"$rootfs.log" 2>&1 \
  || { tail -n 20 "$rootfs.log"; echo "debootstrap failed; see $rootfs.log" >&2; exit 1; }
rm -f "$rootfs.log"
# Package caches and lists only make the image bigger.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*

# mktemp made the folder 0700, and it becomes the image's "/": non-root users must be able to enter it.
chmod 755 "$rootfs"
tar -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["/bin/bash"]' \
  - "$image" >/dev/null
echo "base image $image: imported"
