#!/usr/bin/env bash
# Puts `usrnet` on the PATH the Linux way: packs this checkout's CLI as a .NET tool (Usrnet.Cli) and
# installs it under /usr/local/lib/usrnet with a launcher at /usr/local/bin/usrnet.
#
#   sudo scripts/install.sh            (PREFIX=/opt/usrnet for another prefix; re-run to update)
#
# Why not `dotnet tool install --global`: that puts the command in ~/.dotnet/tools of whoever ran it,
# which neither `sudo` (its secure_path is /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
# nor `ip netns exec` (it runs the command with the caller's PATH) search for root, and every stack
# command needs root. /usr/local/bin is on both. The launcher also names the dotnet the tool was
# installed with (DOTNET_ROOT), since sudo drops the caller's environment.
#
# Idempotent: every run packs a new version (0.1.0-local.TIMESTAMP), so `dotnet tool update` always
# replaces the installed tool with this checkout's, never with a same-numbered package from NuGet's cache.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

prefix=${PREFIX:-/usr/local}
tool_path=$prefix/lib/usrnet
launcher=$prefix/bin/usrnet
packages=artifacts/packages

if [[ $EUID -ne 0 ]]; then
  echo "install.sh: run as root (sudo scripts/install.sh): it installs into $prefix" >&2
  exit 1
fi
dotnet=$(command -v dotnet) || { echo "install.sh: no dotnet on PATH: install the .NET 10 SDK first" >&2; exit 1; }
dotnet_root=$(dirname "$(readlink -f "$dotnet")")

version_prefix=$(sed -n 's:.*<VersionPrefix>\(.*\)</VersionPrefix>.*:\1:p' src/Directory.Build.props)
version="$version_prefix-local.$(date -u +%Y%m%d%H%M%S)"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "install.sh: packing Usrnet.Cli $version into $packages"
if ! dotnet pack src/Usrnet.Cli -c Release --nologo -p:Version="$version" >"$log" 2>&1; then
  cat "$log" >&2
  echo "install.sh: dotnet pack failed" >&2
  exit 1
fi
# `update` installs when the tool is not there yet, and replaces it when it is.
if ! dotnet tool update Usrnet.Cli --tool-path "$tool_path" --add-source "$packages" --version "$version" >"$log" 2>&1; then
  cat "$log" >&2
  echo "install.sh: dotnet tool update failed" >&2
  exit 1
fi

mkdir -p "$(dirname "$launcher")"
# exec keeps one process, so SIGINT/SIGTERM (kill $pid) reach the stack itself.
printf '#!/bin/sh\nexport DOTNET_ROOT="${DOTNET_ROOT:-%s}"\nexec "%s" "$@"\n' "$dotnet_root" "$tool_path/usrnet" >"$launcher.new"
chmod 755 "$launcher.new"
mv -f "$launcher.new" "$launcher"
echo "install.sh: usrnet $version installed: $launcher -> $tool_path/usrnet"
"$launcher" --version
# Older local packages of the tool are no longer needed once this one is installed.
find "$packages" -name 'Usrnet.Cli.*-local.*' ! -name "Usrnet.Cli.$version.*" -delete
