#!/usr/bin/env bash
# Builds the documentation site (docs/: the API reference from the XML docs of src/Usrnet and
# src/Usrnet.AspNetCore, and the articles) into artifacts/docs with docfx, treating docfx's warnings
# (unresolved <xref:...>, missing files) as errors, then checks that every internal href/src of the
# generated HTML names a file (and an id) that exists, that a source link shown as code names a member
# of that file, and that every RFC section the articles name is one the code cites. Exits non-zero on
# any warning, broken link or citation the code does not make.
# Needs the .NET SDK and NuGet (for `dotnet tool restore`); no root, no network otherwise.
# The captures the articles show are checked in; docs/capture.sh (root) makes them anew.
set -euo pipefail
cd "$(dirname "$0")/.."

site=artifacts/docs
dotnet tool restore >/dev/null
# Generated files only: the API metadata is extracted anew from the projects on every build.
rm -rf "$site" docs/api/*.yml docs/api/.manifest docs/obj
dotnet docfx docs/docfx.json --warningsAsErrors --logLevel warning
python3 docs/check-citations.py .
python3 docs/check-links.py "$site"
echo "docs: open $site/index.html (or: dotnet docfx serve $site)"
