//! A deterministic benchmark corpus: `n` film reviews of about 6 KB (Markdown with TOML or YAML
//! front matter, plain text with header lines; links, relative images, footnotes, tables) and
//! `n / 10` episode notes, plus one config per feed limit. The same `n` always gives the same
//! bytes: the only randomness is a hand-written PRNG with a fixed seed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Fixed "now" for every build of the corpus; every date in it is earlier.
pub const NOW: &str = "2026-11-25T09:00:00Z";

/// SplitMix64: tiny, fast, good enough for text, and identical on every platform.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0; the tiny modulo bias does not matter here).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const WORDS: &[&str] = &[
    "the",
    "film",
    "camera",
    "light",
    "silence",
    "city",
    "night",
    "frame",
    "score",
    "actor",
    "director",
    "story",
    "moment",
    "scene",
    "memory",
    "river",
    "winter",
    "house",
    "voice",
    "shadow",
    "cut",
    "rhythm",
    "close-up",
    "landscape",
    "dialogue",
    "ending",
    "tension",
    "grief",
    "humour",
    "colour",
    "archive",
    "audience",
    "festival",
    "sequence",
    "montage",
    "gesture",
    "and",
    "of",
    "with",
    "against",
    "through",
    "without",
    "before",
    "after",
    "under",
    "never",
    "always",
    "quietly",
    "slowly",
    "brilliantly",
    "strangely",
    "almost",
    "perhaps",
    "still",
    "holds",
    "breaks",
    "returns",
    "lingers",
    "refuses",
    "remembers",
    "watches",
    "follows",
    "opens",
    "closes",
    "burns",
    "drifts",
    "insists",
    "trusts",
    "betrays",
    "mirrors",
    "echoes",
    "a",
    "its",
    "every",
    "one",
    "two",
    "long",
    "brief",
    "bright",
    "dark",
    "cold",
    "warm",
    "late",
    "early",
    "patient",
    "restless",
    "tender",
    "brutal",
    "precise",
    "loose",
    "generous",
    "spare",
];

const TITLE_WORDS: &[&str] = &[
    "Heat",
    "Past",
    "Lives",
    "Zone",
    "Interest",
    "Ballerina",
    "Harbour",
    "Glass",
    "Orchard",
    "Midnight",
    "Signal",
    "Paper",
    "Moons",
    "Tide",
    "Salt",
    "Ember",
    "Lantern",
    "Quarry",
    "Meridian",
    "Static",
    "Velvet",
    "Hollow",
    "Canal",
    "Tundra",
    "Mirage",
    "Atlas",
    "Cinder",
    "Falcon",
    "Riviera",
    "Cobalt",
    "Saffron",
    "Thicket",
    "Garnet",
    "Vesper",
    "Aurora",
    "Basalt",
];

const TAGS: &[&str] = &[
    "drama",
    "thriller",
    "documentary",
    "comedy",
    "animation",
    "horror",
    "romance",
    "western",
    "noir",
    "festival",
    "restoration",
    "debut",
    "sci-fi",
    "musical",
    "short",
];

const AUTHORS: &[&str] = &["Ada Critic", "Ben Reel", "Chloé Marchand", "Dev Sharma"];

fn sentence(rng: &mut Rng, out: &mut String, links: bool) {
    let len = 8 + rng.below(14);
    for i in 0..len {
        let w = rng.pick(WORDS);
        if i == 0 {
            let mut c = w.chars();
            if let Some(first) = c.next() {
                out.extend(first.to_uppercase());
                out.push_str(c.as_str());
            }
        } else {
            out.push(' ');
            match rng.below(40) {
                0 => write!(out, "*{w}*").unwrap(),
                1 => write!(out, "**{w}**").unwrap(),
                2 if links => {
                    write!(out, "[{w}](../{}/)", rng.pick(TITLE_WORDS).to_lowercase()).unwrap()
                }
                3 if links => write!(
                    out,
                    "[{w}](https://www.example.org/films/{})",
                    rng.below(5000)
                )
                .unwrap(),
                4 => out.push_str("“quoted”"),
                _ => out.push_str(w),
            }
        }
    }
    out.push_str(if rng.chance(10) { "?" } else { "." });
}

fn paragraph(rng: &mut Rng, out: &mut String, links: bool) {
    let n = 3 + rng.below(5);
    for i in 0..n {
        if i > 0 {
            out.push(if rng.chance(30) { '\n' } else { ' ' });
        }
        sentence(rng, out, links);
    }
    out.push('\n');
}

/// A Markdown body of about `target` bytes.
fn markdown_body(rng: &mut Rng, target: usize) -> String {
    let mut out = String::with_capacity(target + 1024);
    let mut footnotes = 0;
    while out.len() < target {
        match rng.below(20) {
            0 => writeln!(
                out,
                "## {} {}",
                rng.pick(TITLE_WORDS),
                rng.pick(TITLE_WORDS)
            )
            .unwrap(),
            1 => writeln!(
                out,
                "![{} still](img/still-{}.jpg \"{}\")",
                rng.pick(WORDS),
                rng.below(12),
                rng.pick(TITLE_WORDS)
            )
            .unwrap(),
            2 => {
                for _ in 0..3 + rng.below(3) {
                    out.push_str("- ");
                    sentence(rng, &mut out, true);
                    out.push('\n');
                }
            }
            3 => {
                out.push_str("> ");
                sentence(rng, &mut out, false);
                out.push('\n');
            }
            4 if rng.chance(50) => {
                out.push_str("| Credit | Name |\n|---|---|\n");
                for _ in 0..3 {
                    writeln!(out, "| {} | {} |", rng.pick(WORDS), rng.pick(TITLE_WORDS)).unwrap();
                }
            }
            5 if footnotes < 2 => {
                footnotes += 1;
                paragraph(rng, &mut out, true);
                out.pop();
                writeln!(out, "[^{footnotes}]").unwrap();
            }
            _ => paragraph(rng, &mut out, true),
        }
        out.push('\n');
    }
    for f in 1..=footnotes {
        write!(out, "[^{f}]: ").unwrap();
        sentence(rng, &mut out, true);
        out.push('\n');
    }
    out
}

/// A plain-text body of about `target` bytes, with a footer after a separator.
fn text_body(rng: &mut Rng, target: usize) -> String {
    let mut out = String::with_capacity(target + 256);
    while out.len() < target {
        paragraph(rng, &mut out, false);
        out.push('\n');
    }
    out.push_str("--\nListen to the podcast: https://films.example/podcast/\n");
    out
}

struct Front {
    title: String,
    date: String,
    tags: Vec<&'static str>,
    author: Option<&'static str>,
    summary: Option<String>,
    draft: bool,
}

fn front(rng: &mut Rng, year: usize, month: usize, day: usize) -> Front {
    let title = format!(
        "{} {} ({})",
        rng.pick(TITLE_WORDS),
        rng.pick(TITLE_WORDS),
        1950 + rng.below(75)
    );
    let date = if rng.chance(50) {
        format!("{year:04}-{month:02}-{day:02}")
    } else {
        format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:00+01:00",
            rng.below(24),
            rng.below(60)
        )
    };
    let mut tags = Vec::new();
    for _ in 0..rng.below(4) {
        let t = rng.pick(TAGS);
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    let author = rng.chance(30).then(|| rng.pick(AUTHORS));
    let summary = rng.chance(20).then(|| {
        let mut s = String::new();
        sentence(rng, &mut s, false);
        s.replace(['*', '"'], "")
    });
    Front {
        title,
        date,
        tags,
        author,
        summary,
        draft: rng.chance(1),
    }
}

fn toml_file(f: &Front, body: &str) -> String {
    let mut s = String::with_capacity(body.len() + 300);
    writeln!(s, "+++\ntitle = \"{}\"", f.title).unwrap();
    if f.date.contains('T') {
        writeln!(s, "date = {}", f.date).unwrap();
    } else {
        writeln!(s, "date = \"{}\"", f.date).unwrap();
    }
    let tags: Vec<String> = f.tags.iter().map(|t| format!("\"{t}\"")).collect();
    writeln!(s, "tags = [{}]", tags.join(", ")).unwrap();
    if let Some(a) = f.author {
        writeln!(s, "author = \"{a}\"").unwrap();
    }
    if let Some(sum) = &f.summary {
        writeln!(s, "summary = \"{sum}\"").unwrap();
    }
    if f.draft {
        s.push_str("draft = true\n");
    }
    s.push_str("+++\n\n");
    s.push_str(body);
    s
}

fn yaml_file(f: &Front, body: &str) -> String {
    let mut s = String::with_capacity(body.len() + 300);
    writeln!(s, "---\ntitle: \"{}\"\ndate: {}", f.title, f.date).unwrap();
    if !f.tags.is_empty() {
        writeln!(s, "tags: [{}]", f.tags.join(", ")).unwrap();
    }
    if let Some(a) = f.author {
        writeln!(s, "author: {a}").unwrap();
    }
    if let Some(sum) = &f.summary {
        writeln!(s, "summary: \"{sum}\"").unwrap();
    }
    if f.draft {
        s.push_str("draft: true\n");
    }
    s.push_str("---\n\n");
    s.push_str(body);
    s
}

fn text_file(f: &Front, body: &str) -> String {
    let mut s = String::with_capacity(body.len() + 300);
    writeln!(
        s,
        "Title: {}\nDate: {}",
        f.title,
        f.date.replace('T', " ").replace("+01:00", "")
    )
    .unwrap();
    if !f.tags.is_empty() {
        writeln!(s, "Tags: {}", f.tags.join(", ")).unwrap();
    }
    if let Some(a) = f.author {
        writeln!(s, "Author: {a}").unwrap();
    }
    if f.draft {
        s.push_str("Draft: yes\n");
    }
    s.push('\n');
    s.push_str(body);
    s
}

/// What [`generate`] wrote.
#[derive(Debug, Clone)]
pub struct Corpus {
    pub root: PathBuf,
    /// Every content file, in a fixed order.
    pub files: Vec<PathBuf>,
    pub bytes: u64,
}

impl Corpus {
    /// The config for a feed `limit` (0 = every item); each has its own output folder and state.
    pub fn config(&self, limit: usize) -> PathBuf {
        self.root.join(format!("config-limit{limit}.toml"))
    }

    pub fn output_dir(&self, limit: usize) -> PathBuf {
        self.root.join(format!("feeds-limit{limit}"))
    }

    pub fn state_file(&self, limit: usize) -> PathBuf {
        self.root.join(format!("state-limit{limit}.toml"))
    }
}

/// The limits a config is written for.
pub const LIMITS: [usize; 2] = [50, 0];

fn config_text(limit: usize) -> String {
    format!(
        r#"[site]
title = "Benchmark Film Notes"
base_url = "https://films.example/"
id = "tag:films.example,2026:"
timezone = "Europe/Paris"
author = {{ name = "Ada Critic", email = "ada@films.example" }}
output_dir = "feeds-limit{limit}"
state_file = "state-limit{limit}.toml"
size_budget_kb = 10000000

[[feed]]
name = "reviews"
title = "Reviews"
description = "Film reviews"
source = "content/reviews"
link = "reviews/{{year}}/{{slug}}/"
formats = ["rss", "atom"]
limit = {limit}

[[feed]]
name = "episodes"
title = "Podcast notes"
description = "Episode notes of the podcast"
source = "content/episodes"
link = "podcast/{{slug}}/"
formats = ["rss", "atom"]
limit = {limit}
"#
    )
}

fn write(path: &Path, text: &str, corpus: &mut Corpus) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text)?;
    corpus.bytes += text.len() as u64;
    corpus.files.push(path.to_path_buf());
    Ok(())
}

/// Writes `n` reviews, `n / 10` episodes and the configs into `root` (which should be empty).
pub fn generate(root: &Path, n: usize) -> std::io::Result<Corpus> {
    let mut rng = Rng::new(0x00fe_edf1_1e57_2026);
    let mut corpus = Corpus {
        root: root.to_path_buf(),
        files: Vec::with_capacity(n + n / 10),
        bytes: 0,
    };
    for limit in LIMITS {
        std::fs::write(
            root.join(format!("config-limit{limit}.toml")),
            config_text(limit),
        )?;
    }
    for i in 0..n {
        // Spread over 2000..=2025 so every date is before NOW.
        let year = 2000 + (i * 26) / n.max(1);
        let (month, day) = (1 + rng.below(12), 1 + rng.below(28));
        let f = front(&mut rng, year, month, day);
        let slug = format!(
            "{}-{i}",
            f.title.split(' ').next().unwrap_or("x").to_lowercase()
        );
        let target = 5600 + rng.below(900);
        let dir = root.join(format!("content/reviews/{year}"));
        let stem = format!("{year:04}-{month:02}-{day:02}-{slug}");
        let (name, text) = match rng.below(10) {
            0..=3 => (
                format!("{stem}.md"),
                toml_file(&f, &markdown_body(&mut rng, target)),
            ),
            4..=7 => (
                format!("{stem}.md"),
                yaml_file(&f, &markdown_body(&mut rng, target)),
            ),
            _ => (
                format!("{stem}.txt"),
                text_file(&f, &text_body(&mut rng, target)),
            ),
        };
        write(&dir.join(name), &text, &mut corpus)?;
    }
    for i in 0..n / 10 {
        let year = 2015 + (i * 11) / (n / 10).max(1);
        let (month, day) = (1 + rng.below(12), 1 + rng.below(28));
        let mut f = front(&mut rng, year, month, day);
        f.title = format!("Episode {}: {}", i + 1, f.title);
        f.draft = false;
        let target = 1500 + rng.below(1500);
        let body = markdown_body(&mut rng, target);
        let name = format!("episode-{:05}.md", i + 1);
        write(
            &root.join("content/episodes").join(name),
            &yaml_file(&f, &body),
            &mut corpus,
        )?;
    }
    Ok(corpus)
}
