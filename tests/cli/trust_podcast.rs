//! Trust in podcast feeds (issue 13, sections 4 and 7): every podcast URL comes out absolute
//! http(s) or is an error naming the file and key; a local file's real size wins over a
//! hand-written length; cover and episode art is JPEG or PNG.

use crate::common;

use common::Site;

use common::PODCAST_CONFIG as CONFIG;

fn site(config: &str) -> Site {
    let site = Site::with_config(config);
    std::fs::create_dir_all(site.path("content/episodes")).unwrap();
    site
}

fn episode(extra: &str) -> String {
    format!(
        "+++\ntitle = \"Pilot\"\ndate = 2026-06-01T10:00:00Z\naudio = \"https://cdn.pod.example/e1.mp3\"\naudio_length = 100\n{extra}\n+++\nNotes.\n"
    )
}

/// The value of `attr` on every `<tag …>` in `xml`, read with an XML parser.
fn attrs(xml: &str, tag: &str, attr: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(xml).unwrap();
    doc.descendants()
        .filter(|n| {
            n.is_element() && n.tag_name().name() == tag && n.tag_name().namespace().is_some()
        })
        .filter_map(|n| n.attribute(attr).map(str::to_string))
        .collect()
}

#[test]
fn relative_podcast_urls_resolve_against_the_link_or_the_media_base() {
    let site = site(CONFIG);
    // Local episode art is read and checked: a real header.
    let jpeg = common::rgb_jpeg_header(1400);
    std::fs::create_dir_all(site.path("content/episodes/img")).unwrap();
    std::fs::write(site.path("content/episodes/img/art.jpg"), &jpeg).unwrap();
    site.write(
        "content/episodes/e1.md",
        &episode(
            "image = \"img/art.jpg\"\n\
             chapters = \"chapters.json\"\n\
             transcript = { url = \"/t/e1.vtt\", type = \"text/vtt\" }\n\
             persons = [{ name = \"Ada\", href = \"../../people/ada/\", img = \"https://i.example/a.png\" }]",
        ),
    );
    site.ok(&["build"]);
    let xml = site.read("feeds/podcast.rss");
    assert_eq!(
        attrs(&xml, "image", "href"),
        [
            "https://pod.example/cover.jpg",
            "https://cdn.pod.example/media/art.jpg"
        ]
    );
    assert_eq!(
        attrs(&xml, "chapters", "url"),
        ["https://pod.example/episodes/e1/chapters.json"]
    );
    assert_eq!(
        attrs(&xml, "transcript", "url"),
        ["https://pod.example/t/e1.vtt"]
    );
    assert_eq!(
        attrs(&xml, "person", "href"),
        ["https://pod.example/people/ada/"]
    );
    assert_eq!(attrs(&xml, "person", "img"), ["https://i.example/a.png"]);
    assert_eq!(attrs(&xml, "funding", "url"), ["https://pod.example/give"]);
}

#[test]
fn a_podcast_url_of_another_scheme_names_the_file_line_and_key() {
    let site = site(CONFIG);
    site.write(
        "content/episodes/e1.md",
        &episode("transcript = { url = \"ftp://x/e1.vtt\", type = \"text/vtt\" }\nchapters = \"data:,{}\""),
    );
    let err = site.fails(1, &["build"]);
    let path = std::path::Path::new("content/episodes/e1.md")
        .display()
        .to_string();
    assert!(
        err.contains(&format!(
            "{path}:6: transcript url `ftp://x/e1.vtt` is not an http(s) URL: write an https URL, a path relative to the episode file, or one relative to the episode's link\n"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{path}:7: chapters url `data:,{{}}` is not an http(s) URL: write an https URL, a path relative to the episode file, or one relative to the episode's link\n"
        )),
        "{err}"
    );
}

#[test]
fn a_local_episode_image_needs_a_media_base_url() {
    let site = site(&CONFIG.replace("media_base_url = \"https://cdn.pod.example/media/\"\n", ""));
    site.write("content/episodes/art.png", "png bytes");
    site.write("content/episodes/e1.md", &episode("image = \"art.png\""));
    let err = site.fails(1, &["build"]);
    let path = std::path::Path::new("content/episodes/e1.md")
        .display()
        .to_string();
    let art = std::path::Path::new("content/episodes/art.png")
        .display()
        .to_string();
    assert!(
        err.contains(&format!(
            "{path}: image file {art} is local: set [feed.podcast] media_base_url to where it is published\n"
        )),
        "{err}"
    );
}

#[test]
fn a_cover_image_of_another_scheme_is_an_error() {
    let site = site(&CONFIG.replace(
        "image = \"https://pod.example/cover.jpg\"",
        "image = \"ftp://pod.example/cover.jpg\"",
    ));
    site.write("content/episodes/e1.md", &episode(""));
    let err = site.fails(3, &["build"]);
    let config = site.path("config.toml").display().to_string();
    assert!(
        err.contains(&format!("error: {config}:18: [feed.podcast] image `ftp://pod.example/cover.jpg` is not an http(s) URL: write an https URL or a path to the file, relative to the config\n")),
        "{err}"
    );
}

#[test]
fn a_local_audio_file_size_wins_over_a_written_length_with_a_warning() {
    let site = site(CONFIG);
    site.write("content/episodes/e1.mp3", &"x".repeat(1234));
    site.write(
        "content/episodes/e1.md",
        "+++\ntitle = \"Pilot\"\ndate = 2026-06-01T10:00:00Z\naudio = \"e1.mp3\"\naudio_length = 99999\n+++\nNotes.\n",
    );
    let out = site.run(&["build"]);
    assert!(out.status.success(), "{}", common::text(&out));
    let path = std::path::Path::new("content/episodes/e1.md")
        .display()
        .to_string();
    let audio = std::path::Path::new("content/episodes/e1.mp3")
        .display()
        .to_string();
    let err = common::stderr(&out);
    assert_eq!(
        err.matches("audio_length = 99999").count(),
        1,
        "one warning, not one per feed: {err}"
    );
    assert!(
        err.contains(&format!(
            "warning: {path}: audio_length = 99999 is not the size of audio file {audio} (1234 bytes); the file's size is used: remove `audio_length`\n"
        )),
        "{err}"
    );
    let xml = site.read("feeds/podcast.rss");
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let lengths: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("enclosure"))
        .filter_map(|n| n.attribute("length"))
        .collect();
    assert_eq!(lengths, ["1234"]);
}

#[test]
fn cover_and_episode_art_must_be_jpeg_or_png_by_extension() {
    let site = site(&CONFIG.replace("cover.jpg", "cover.webp"));
    site.write("content/episodes/e1.md", &episode(""));
    let err = site.fails(3, &["build"]);
    assert!(
        err.contains("feed `podcast`: [feed.podcast] image `https://pod.example/cover.webp` is not a JPEG or PNG by its extension (set resolve_lengths = true under [feed.podcast] to ask the server instead); Apple accepts only JPEG and PNG: use a .jpg or .png file\n"),
        "{err}"
    );

    let site = self::site(CONFIG);
    site.write(
        "content/episodes/e1.md",
        &episode("image = \"https://i.example/art.gif\""),
    );
    let err = site.fails(1, &["build"]);
    let path = std::path::Path::new("content/episodes/e1.md")
        .display()
        .to_string();
    assert!(
        err.contains(&format!("{path}:6: episode image `https://i.example/art.gif` is not a JPEG or PNG by its extension (set resolve_lengths = true under [feed.podcast] to ask the server instead); Apple accepts only JPEG and PNG: use a .jpg or .png file\n")),
        "{err}"
    );
}

/// A server on 127.0.0.1 that answers every request with `content_type`; its base URL.
fn art_server(content_type: &'static str) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: 10\r\nConnection: close\r\n\r\n"
            );
        }
    });
    format!("http://{addr}")
}

#[test]
fn with_resolve_lengths_the_content_type_decides_for_art_without_an_extension() {
    let webp = art_server("image/webp");
    let config = CONFIG
        .replace("https://pod.example/cover.jpg", &format!("{webp}/cover"))
        .replace("funding = ", "resolve_lengths = true\nfunding = ");
    let site = site(&config);
    site.write("content/episodes/e1.md", &episode(""));
    let err = site.fails(3, &["build"]);
    assert!(
        err.contains(&format!("feed `podcast`: [feed.podcast] image `{webp}/cover` is served as `image/webp`; Apple accepts only JPEG and PNG: use a .jpg or .png file\n")),
        "{err}"
    );

    let png = art_server("image/png; charset=binary");
    let config = CONFIG
        .replace("https://pod.example/cover.jpg", &format!("{png}/cover"))
        .replace("funding = ", "resolve_lengths = true\nfunding = ");
    let site = self::site(&config);
    site.write(
        "content/episodes/e1.md",
        &episode(&format!("image = \"{webp}/art\"")),
    );
    let err = site.fails(1, &["build"]);
    let path = std::path::Path::new("content/episodes/e1.md")
        .display()
        .to_string();
    assert!(
        err.contains(&format!("{path}:6: episode image `{webp}/art` is served as `image/webp`; Apple accepts only JPEG and PNG: use a .jpg or .png file\n")),
        "{err}"
    );
    site.write(
        "content/episodes/e1.md",
        &episode(&format!("image = \"{png}/art\"")),
    );
    site.ok(&["build"]);
}

/// Audit: notes of only a picture gave `<description><![CDATA[]]></description>`, said
/// nowhere: the empty element is left out and the build says why (R61).
#[test]
fn an_episode_whose_notes_are_only_a_picture_is_warned_of_and_has_no_empty_description() {
    let site = site(CONFIG);
    let notes = episode("").replace("Notes.\n", "![A still](https://pod.example/still.jpg)\n");
    site.write("content/episodes/e1.md", &notes);
    let out = site.run(&["build", "--quiet"]);
    assert!(out.status.success(), "{}", common::text(&out));
    assert_eq!(
        common::stderr(&out),
        "warning: content/episodes/e1.md: has no text for its podcast description (its notes are empty, or only pictures): podcast apps would show it blank; write a sentence, or set `summary`\n"
    );
    let xml = site.read("feeds/podcast.rss");
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let item = doc.descendants().find(|n| n.has_tag_name("item")).unwrap();
    assert!(
        item.children().all(|n| !n.has_tag_name("description")),
        "{xml}"
    );
    // With a sentence, the description is back and nothing is said.
    site.write("content/episodes/e1.md", &episode("summary = \"A still.\""));
    let out = site.run(&["build", "--quiet"]);
    assert_eq!(common::stderr(&out), "", "{}", common::text(&out));
    let xml = site.read("feeds/podcast.rss");
    assert!(
        xml.contains("<description><![CDATA[A still.]]></description>"),
        "{xml}"
    );
    // A feed with its page renders its bodies before its files: said the same.
    let paged = Site::with_config(&CONFIG.replace(
        "link = \"episodes/{slug}/\"\n",
        "link = \"episodes/{slug}/\"\nhtml = true\n",
    ));
    paged.write("content/episodes/e1.md", &notes);
    let out = paged.run(&["build", "--quiet"]);
    assert_eq!(
        common::stderr(&out),
        "warning: content/episodes/e1.md: has no text for its podcast description (its notes are empty, or only pictures): podcast apps would show it blank; write a sentence, or set `summary`\n"
    );
    assert!(paged.read("feeds/podcast.html").contains("Pilot"));
}

/// Spec sweep: a `.m4a` said to be `audio/mpeg` went out as it was (R54), and http audio in
/// an https feed too (R78): said, at the episode's file.
#[test]
fn audio_named_as_another_type_or_over_http_is_said() {
    let site = site(CONFIG);
    site.write(
        "content/episodes/e1.md",
        &episode("audio_type = \"audio/mpeg\"").replace("e1.mp3", "e1.m4a"),
    );
    site.write(
        "content/episodes/e2.md",
        &episode("").replace(
            "https://cdn.pod.example/e1.mp3",
            "http://cdn.pod.example/e2.mp3",
        ),
    );
    site.write(
        "content/episodes/e3.md",
        &episode("audio_type = \"audio/x-m4a\"").replace("e1.mp3", "e3.mp4"),
    );
    let out = site.run_at(common::NOW, &["build"]);
    assert!(out.status.success(), "{}", common::text(&out));
    let err = common::stderr(&out);
    assert!(err.contains("warning: content/episodes/e1.md: audio_type = \"audio/mpeg\", but e1.m4a is named as audio/x-m4a: players choose how to decode by the type, and Apple Podcasts pairs each type with its extension; fix `audio_type`, or give the file its own extension\n"), "{err}");
    assert!(err.contains("warning: content/episodes/e2.md: audio `http://cdn.pod.example/e2.mp3` is not https: podcast directories want the feed and its media over https, and players on https pages refuse http audio; give its https address\n"), "{err}");
    // An MPEG-4 file named `.mp4` may be said to be audio.
    assert!(!err.contains("e3"), "{err}");
}

/// Spec sweep (R20, R21): in a notes feed, remote audio without a length lost its enclosure
/// without a word.
#[test]
fn a_notes_item_whose_audio_cannot_be_an_enclosure_says_so() {
    let site = Site::new();
    site.write(
        "content/reviews/a.md",
        "+++\ntitle = \"A\"\ndate = \"2026-11-01 10:00\"\naudio = \"https://m.example/a.mp3\"\n+++\nNotes.\n",
    );
    let out = site.run_at(common::NOW, &["build"]);
    assert!(out.status.success(), "{}", common::text(&out));
    assert_eq!(
        common::stderr(&out),
        "warning: content/reviews/a.md: enclosure https://m.example/a.mp3 has no length: a notes feed carries audio as an enclosure when `audio` is an http(s) URL with `audio_length` (and `audio_type` where its name does not tell); the item goes out without one\n"
    );
    assert!(!site.read("feeds/reviews.rss").contains("<enclosure"));
    site.write(
        "content/reviews/a.md",
        "+++\ntitle = \"A\"\ndate = \"2026-11-01 10:00\"\naudio = \"https://m.example/a.mp3\"\naudio_length = 5\n+++\nNotes.\n",
    );
    let out = site.run_at(common::NOW, &["build"]);
    assert_eq!(common::stderr(&out), "");
    assert!(
        site.read("feeds/reviews.rss").contains(
            "<enclosure url=\"https://m.example/a.mp3\" length=\"5\" type=\"audio/mpeg\"/>"
        )
    );
}

/// Spec sweep (R51): a podcast without an author anywhere had no `itunes:author`; it is the
/// owner's name, else the show's title.
#[test]
fn a_podcast_always_names_its_author() {
    let bare = CONFIG.replace(
        "author = { name = \"Ada Host\", email = \"ada@pod.example\" }\n",
        "",
    );
    for (config, author) in [
        (bare.clone(), "Ada Host"),
        (
            bare.replace(
                "owner = { name = \"Ada Host\", email = \"ada@pod.example\" }\n",
                "",
            ),
            "The Test Pod",
        ),
    ] {
        let site = site(&config);
        site.write("content/episodes/e1.md", &episode(""));
        site.ok_at(common::NOW, &["build"]);
        let rss = site.read("feeds/podcast.rss");
        assert!(
            rss.contains(&format!("<itunes:author>{author}</itunes:author>")),
            "{rss}"
        );
    }
}

/// Regression hunt: `media_base_url = "http://…"` put every local episode's audio out over
/// http, unsaid (an `audio = "http://…"` key was said).
#[test]
fn an_http_media_base_url_is_said() {
    let site = site(&CONFIG.replace(
        "https://cdn.pod.example/media/",
        "http://cdn.pod.example/media/",
    ));
    site.write("content/episodes/e1.md", &episode(""));
    let out = site.run_at(common::NOW, &["build"]);
    assert!(out.status.success(), "{}", common::text(&out));
    assert!(
        common::stderr(&out).contains("feed `podcast`: [feed.podcast] media_base_url `http://cdn.pod.example/media/` is not https: the audio and art published under it would go out over http"),
        "{}",
        common::stderr(&out)
    );
}

/// Spec sweep (R76, PSP-1): a podcast without `locked` had no `podcast:locked`; it says `no`.
#[test]
fn a_podcast_always_says_whether_it_is_locked() {
    let site = site(CONFIG);
    site.write("content/episodes/e1.md", &episode(""));
    site.ok_at(common::NOW, &["build"]);
    let rss = site.read("feeds/podcast.rss");
    assert!(
        rss.contains("<podcast:locked owner=\"ada@pod.example\">no</podcast:locked>"),
        "{rss}"
    );
}
