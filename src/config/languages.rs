//! The two-letter language codes of ISO 639-1, which a feed's `<language>` is checked against:
//! RSS readers, the W3C feed validator and Apple Podcasts read a two-letter code as one of
//! these, and a code that is none (`xx`, a typo) would otherwise be published as the feed's
//! language. Three-letter codes (ISO 639-2/3, thousands of them) are checked for shape only.

/// ISO 639-1, sorted (the 184 codes in force), for a binary search.
const ISO_639_1: [&str; 184] = [
    "aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg", "bh",
    "bi", "bm", "bn", "bo", "br", "bs", "ca", "ce", "ch", "co", "cr", "cs", "cu", "cv", "cy", "da",
    "de", "dv", "dz", "ee", "el", "en", "eo", "es", "et", "eu", "fa", "ff", "fi", "fj", "fo", "fr",
    "fy", "ga", "gd", "gl", "gn", "gu", "gv", "ha", "he", "hi", "ho", "hr", "ht", "hu", "hy", "hz",
    "ia", "id", "ie", "ig", "ii", "ik", "io", "is", "it", "iu", "ja", "jv", "ka", "kg", "ki", "kj",
    "kk", "kl", "km", "kn", "ko", "kr", "ks", "ku", "kv", "kw", "ky", "la", "lb", "lg", "li", "ln",
    "lo", "lt", "lu", "lv", "mg", "mh", "mi", "mk", "ml", "mn", "mr", "ms", "mt", "my", "na", "nb",
    "nd", "ne", "ng", "nl", "nn", "no", "nr", "nv", "ny", "oc", "oj", "om", "or", "os", "pa", "pi",
    "pl", "ps", "pt", "qu", "rm", "rn", "ro", "ru", "rw", "sa", "sc", "sd", "se", "sg", "si", "sk",
    "sl", "sm", "sn", "so", "sq", "sr", "ss", "st", "su", "sv", "sw", "ta", "te", "tg", "th", "ti",
    "tk", "tl", "tn", "to", "tr", "ts", "tt", "tw", "ty", "ug", "uk", "ur", "uz", "ve", "vi", "vo",
    "wa", "wo", "xh", "yi", "yo", "za", "zh", "zu",
];

/// Codes ISO 639-1 withdrew for new ones (`iw` is now `he`): still read by readers, accepted.
const WITHDRAWN: [&str; 4] = ["in", "iw", "ji", "jw"];

/// Whether a two-letter primary language subtag is an ISO 639-1 code (any case).
pub(super) fn is_two_letter_code(primary: &str) -> bool {
    let lower = primary.to_ascii_lowercase();
    ISO_639_1.binary_search(&lower.as_str()).is_ok() || WITHDRAWN.contains(&lower.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_and_the_lookup_ignores_case() {
        assert!(ISO_639_1.windows(2).all(|w| w[0] < w[1]));
        for ok in ["en", "FR", "De", "zu", "aa", "iw"] {
            assert!(is_two_letter_code(ok), "{ok}");
        }
        for bad in ["xx", "qq", "zz", "ee1", ""] {
            assert!(!is_two_letter_code(bad), "{bad}");
        }
    }
}
