"""Reads feeds with the parsers podcast apps and readers use; prints one line per file.

feedparser: `bozo` must be 0 (the document was well-formed and read without a fallback).
podcastparser (gPodder's): a podcast feed must give every episode with its enclosure.
Exit 1 when any file fails, 0 otherwise.
"""
import json
import sys

import feedparser
import podcastparser

failed = False
for path in sys.argv[1:]:
    if path.endswith(".json"):
        # feedparser reads no JSON Feed; Python's own parser and the spec's required keys do.
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        ok = doc.get("version", "").startswith("https://jsonfeed.org/version/1") and all(
            "id" in item for item in doc.get("items", [])
        )
        print(f"{path}: json ok={int(ok)} items={len(doc.get('items', []))}")
        failed |= not ok
        continue
    parsed = feedparser.parse(path)
    line = f"{path}: feedparser bozo={int(parsed.bozo)} entries={len(parsed.entries)}"
    if parsed.bozo:
        line += f" ({parsed.bozo_exception})"
        failed = True
    if path.endswith("podcast.rss"):
        with open(path, "rb") as f:
            podcast = podcastparser.parse("https://example.invalid/" + path, f)
        episodes = podcast.get("episodes", [])
        with_audio = [e for e in episodes if e.get("enclosures")]
        line += f" podcastparser episodes={len(episodes)} with_audio={len(with_audio)}"
        if not episodes or len(with_audio) != len(episodes):
            failed = True
    print(line)
sys.exit(1 if failed else 0)
