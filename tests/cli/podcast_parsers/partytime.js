// Reads a podcast feed with podcast-partytime, the parser Podcast Index itself uses, and
// prints what it found as one JSON line: the Podcasting 2.0 tags of the channel and, per
// episode, what an app plays and shows. Used by tests/cli/podcast_parsers.rs, which finds the
// package through NODE_PATH. Fields partytime did not find are written as null, so a tag it
// missed fails the comparison instead of vanishing from it.
"use strict";
const fs = require("fs");
const pt = require("podcast-partytime");

const feed = pt.parseFeed(fs.readFileSync(process.argv[2], "utf8"));
if (!feed) {
  console.error(`partytime could not read ${process.argv[2]} as a podcast feed`);
  process.exit(1);
}
const or = (v) => (v === undefined ? null : v);
const channel = {
  guid: or(feed.guid),
  locked: or(feed.locked),
  podcastOwner: or(feed.podcastOwner),
  medium: or(feed.medium),
  podcastTxt: or(feed.podcastTxt),
  podcastFunding: or(feed.podcastFunding),
  itunesImage: or(feed.itunesImage),
  pc20support: or(feed.pc20support),
};
const items = feed.items.map((i) => ({
  guid: or(i.guid),
  enclosure: or(i.enclosure),
  duration: or(i.duration),
  itunesImage: or(i.itunesImage),
  image: or(i.image),
  itunesSeason: or(i.itunesSeason),
  itunesEpisode: or(i.itunesEpisode),
  podcastSeason: or(i.podcastSeason),
  podcastEpisode: or(i.podcastEpisode),
  podcastChapters: or(i.podcastChapters),
  podcastTranscripts: or(i.podcastTranscripts),
  podcastPeople: or(i.podcastPeople),
}));
process.stdout.write(JSON.stringify({ channel, items }) + "\n");
