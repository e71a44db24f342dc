#!/usr/bin/env python3
"""Checks every internal link of the generated site: each href/src that is not an external URL must name
a file that exists under the site's folder, and a #fragment must name an id (or anchor name) in that file.
A link to a source file (.cs) whose text is code, such as [`Interface.ProcessIpv4`](../src/...cs), names a
member the API reference cannot check (it is not public): the last identifier of that text must occur in
the linked file. Prints one line per broken link and exits 1 if there is any."""
import html.parser
import os
import re
import sys
import urllib.parse

EXTERNAL_SCHEMES = ("http:", "https:", "mailto:", "javascript:", "data:", "tel:")


class LinkCollector(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links = []
        self.ids = set()
        self.code_links = []  # (href, text of <code> inside the <a>)
        self._open_link = None
        self._in_code = False
        self._code_text = ""

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name") and (name == "id" or tag == "a"):
                self.ids.add(value)
            if name in ("href", "src") and tag not in ("base",):
                self.links.append((tag, value))
                if tag == "a":
                    self._open_link = value
        if tag == "code" and self._open_link is not None:
            self._in_code = True
            self._code_text = ""

    def handle_endtag(self, tag):
        if tag == "code" and self._in_code:
            self._in_code = False
            self.code_links.append((self._open_link, self._code_text))
        elif tag == "a":
            self._open_link = None

    def handle_data(self, data):
        if self._in_code:
            self._code_text += data


def parse(path, cache):
    if path not in cache:
        collector = LinkCollector()
        with open(path, encoding="utf-8", errors="replace") as f:
            collector.feed(f.read())
        cache[path] = collector
    return cache[path]


def main(site):
    site = os.path.abspath(site)
    cache = {}
    broken = []
    pages = 0
    checked = 0
    for folder, _, files in os.walk(site):
        for file in files:
            if not file.endswith(".html"):
                continue
            page = os.path.join(folder, file)
            pages += 1
            for tag, link in parse(page, cache).links:
                if link.startswith(EXTERNAL_SCHEMES) or link.startswith("//"):
                    continue
                parts = urllib.parse.urlsplit(link)
                target = page if parts.path == "" else os.path.normpath(
                    os.path.join(site, parts.path.lstrip("/")) if parts.path.startswith("/")
                    else os.path.join(folder, urllib.parse.unquote(parts.path)))
                checked += 1
                where = os.path.relpath(page, site)
                if not target.startswith(site):
                    broken.append(f"{where}: <{tag}> {link}: outside the site")
                    continue
                if os.path.isdir(target):
                    target = os.path.join(target, "index.html")
                if not os.path.isfile(target):
                    broken.append(f"{where}: <{tag}> {link}: no such file")
                    continue
                fragment = urllib.parse.unquote(parts.fragment)
                if fragment and target.endswith(".html") and fragment not in parse(target, cache).ids:
                    broken.append(f"{where}: <{tag}> {link}: no id '{fragment}' in {os.path.relpath(target, site)}")
            for link, text in parse(page, cache).code_links:
                path = urllib.parse.urlsplit(link).path
                if not path.endswith(".cs") or link.startswith(EXTERNAL_SCHEMES):
                    continue
                target = os.path.normpath(os.path.join(folder, urllib.parse.unquote(path)))
                if re.fullmatch(r"[\w./-]+\.(cs|sh|py|json|md)", text.strip()):
                    continue  # the file's own name: the link itself is checked above
                names = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text.split("(")[0])
                if names and os.path.isfile(target):
                    with open(target, encoding="utf-8") as f:
                        source = f.read()
                    checked += 1
                    if not re.search(rf"\b{re.escape(names[-1])}\b", source):
                        where = os.path.relpath(page, site)
                        broken.append(f"{where}: `{text}` is not in {os.path.relpath(target, site)}")
    for line in broken:
        print(f"broken link: {line}", file=sys.stderr)
    if pages == 0:
        print(f"check-links: no HTML pages under {site}", file=sys.stderr)
        return 1
    print(f"check-links: {pages} pages, {checked} internal links, {len(broken)} broken")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "artifacts/docs"))
