#!/usr/bin/env python3
"""Checks that every RFC section the articles name is one the code cites: each "RFC N §X" (or a "§X" that
follows "RFC N" in the same paragraph or table cell) must appear in src/ as "RFC N §X", or as "§X" in a
file that names RFC N. Keeps the articles to what the code implements. Prints each citation the code
does not make and exits 1 if there is any."""
import glob
import os
import re
import sys


def units(text):
    """Paragraphs, with each table cell on its own: a citation's RFC and its sections stay together."""
    for paragraph in re.split(r"\n\s*\n", text):
        if paragraph.lstrip().startswith("|"):
            for row in paragraph.splitlines():
                yield from row.split("|")
        else:
            yield paragraph


def main(root):
    sources = {}
    for path in glob.glob(os.path.join(root, "src", "**", "*.cs"), recursive=True):
        if f"{os.sep}obj{os.sep}" in path or f"{os.sep}bin{os.sep}" in path:
            continue
        with open(path, encoding="utf-8") as f:
            sources[path] = f.read()
    everything = "\n".join(sources.values())

    def cited(rfc, section):
        if f"RFC {rfc} §{section}" in everything:
            return True
        pattern = re.compile(rf"§{re.escape(section)}(?![\d.]\d)")
        return any(f"RFC {rfc}" in text and pattern.search(text) for text in sources.values())

    missing = []
    checked = 0
    for article in sorted(glob.glob(os.path.join(root, "docs", "articles", "*.md"))):
        with open(article, encoding="utf-8") as f:
            text = f.read()
        name = os.path.relpath(article, root)
        for unit in units(text):
            rfc = None
            for m in re.finditer(r"RFC (\d+)|§(\d+(?:\.\d+)*)", unit):
                if m.group(1):
                    rfc = m.group(1)
                    checked += 1
                    if f"RFC {rfc}" not in everything:
                        missing.append(f"{name}: RFC {rfc} is cited nowhere in src/")
                    continue
                checked += 1
                if rfc is None:
                    missing.append(f"{name}: §{m.group(2)} without an RFC before it")
                elif not cited(rfc, m.group(2)):
                    missing.append(f"{name}: RFC {rfc} §{m.group(2)} is cited nowhere in src/")
    for line in missing:
        print(f"citation: {line}", file=sys.stderr)
    print(f"check-citations: {checked} RFC citations, {len(missing)} not in the code")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
