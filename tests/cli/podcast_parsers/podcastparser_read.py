"""Reads a podcast feed with podcastparser (gPodder's) and prints its result as one JSON line.

Used by tests/cli/podcast_parsers.rs; the feed's own URL is given so relative links resolve.
"""
import json
import sys

import podcastparser

path, url = sys.argv[1], sys.argv[2]
with open(path, "rb") as f:
    print(json.dumps(podcastparser.parse(url, f)))
