//! Scrubs credentials from text a server sent back (error bodies, descriptions) in any encoding
//! a server may have echoed them in.
//!
//! Each secret is turned once into the literal forms that were sent (the secret itself, and for
//! the client the base64 of `id:secret` in both credential encodings, which is the Basic header's
//! value). Encodings applied by whoever echoes the request are undone on the text instead:
//! the text is read through a few decoding views (JSON string escapes, form-urlencoding, and
//! both in either order), each decoded byte remembering which bytes of the original text it came
//! from, so that a match in any view redacts the original span however it was escaped.

use std::borrow::Cow;

use zeroize::Zeroizing;

/// Shorter secrets cannot be told from ordinary text (every "s" would go) and are not scrubbed.
pub(crate) const MIN_REDACTED_LEN: usize = 4;

const MARK: &str = "[REDACTED]";

/// For `View::percent_decoded`: application/x-www-form-urlencoded rather than a URL.
const PLUS_IS_SPACE: bool = true;

/// The forms of one or more secrets to scrub. Derived once per secret; cheap to apply.
#[derive(Default, Clone)]
pub struct Redactor {
    forms: Vec<Zeroizing<Vec<u8>>>,
}

impl Redactor {
    /// Adds a form to look for (ignored when too short to tell from ordinary text).
    pub fn add(&mut self, form: &str) {
        if form.len() >= MIN_REDACTED_LEN && !self.forms.iter().any(|f| f.as_slice() == form.as_bytes()) {
            self.forms.push(Zeroizing::new(form.as_bytes().to_vec()));
        }
    }

    /// `text` with every occurrence of every form, in every view, replaced by "[REDACTED]".
    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if self.forms.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut hidden = vec![false; text.len()];
        let raw = View::raw(text.as_bytes());
        let json = raw.json_unescaped();
        let form = raw.percent_decoded(PLUS_IS_SPACE);
        let url = raw.percent_decoded(!PLUS_IS_SPACE);
        let views = [
            json.percent_decoded(PLUS_IS_SPACE),
            json.percent_decoded(!PLUS_IS_SPACE),
            form.json_unescaped(),
            raw,
            json,
            form,
            url,
        ];
        for view in views {
            for secret in &self.forms {
                view.mark(secret, &mut hidden);
            }
        }
        if !hidden.contains(&true) {
            return Cow::Borrowed(text);
        }
        Cow::Owned(replace_marked(text, &hidden))
    }
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} forms)", self.forms.len())
    }
}

/// The text read through one decoding: each byte with the span of original bytes it came from.
struct View {
    bytes: Vec<u8>,
    spans: Vec<(usize, usize)>,
}

impl View {
    fn raw(text: &[u8]) -> View {
        View { bytes: text.to_vec(), spans: (0..text.len()).map(|i| (i, i + 1)).collect() }
    }

    /// Marks the original span of every occurrence of `needle`.
    fn mark(&self, needle: &[u8], hidden: &mut [bool]) {
        if needle.is_empty() || needle.len() > self.bytes.len() {
            return;
        }
        for start in 0..=self.bytes.len() - needle.len() {
            if self.bytes[start..].starts_with(needle) {
                let from = self.spans[start].0;
                let to = self.spans[start + needle.len() - 1].1;
                hidden[from..to].iter_mut().for_each(|h| *h = true);
            }
        }
    }

    /// `%XX` (either case) as the byte; `+` as a space in form-urlencoding, as itself in a URL
    /// (where lenient encoders leave `+` and `=` alone).
    fn percent_decoded(&self, plus_is_space: bool) -> View {
        self.decoded(|bytes| match bytes {
            [b'%', high, low, ..] => hex_digit(*high).zip(hex_digit(*low)).map(|(h, l)| (vec![h * 16 + l], 3)),
            [b'+', ..] if plus_is_space => Some((vec![b' '], 1)),
            _ => None,
        })
    }

    /// JSON string escapes: `\/`, `\"`, `\\`, `\n` and the like, `\uXXXX` (surrogate pairs too).
    fn json_unescaped(&self) -> View {
        self.decoded(|bytes| match bytes {
            [b'\\', b'u', ..] => unicode_escape(bytes),
            [b'\\', escaped, ..] => json_simple_escape(*escaped).map(|byte| (vec![byte], 2)),
            _ => None,
        })
    }

    /// Applies `decode` at each position: `Some((bytes, consumed))` replaces `consumed` bytes of
    /// this view; `None` keeps one byte as it is.
    fn decoded(&self, decode: impl Fn(&[u8]) -> Option<(Vec<u8>, usize)>) -> View {
        let mut out = View { bytes: Vec::with_capacity(self.bytes.len()), spans: Vec::with_capacity(self.bytes.len()) };
        let mut at = 0;
        while at < self.bytes.len() {
            let (bytes, consumed) = decode(&self.bytes[at..]).unwrap_or_else(|| (vec![self.bytes[at]], 1));
            let span = (self.spans[at].0, self.spans[at + consumed - 1].1);
            for byte in bytes {
                out.bytes.push(byte);
                out.spans.push(span);
            }
            at += consumed;
        }
        out
    }
}

fn hex_digit(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|d| d as u8)
}

fn json_simple_escape(escaped: u8) -> Option<u8> {
    Some(match escaped {
        b'"' | b'\\' | b'/' => escaped,
        b'b' => 0x08,
        b'f' => 0x0C,
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        _ => return None,
    })
}

/// `\uXXXX`, or a surrogate pair `\uD8xx\uDCxx`, as UTF-8.
fn unicode_escape(bytes: &[u8]) -> Option<(Vec<u8>, usize)> {
    let unit = |at: usize| -> Option<u32> {
        let digits = bytes.get(at..at + 6)?;
        if !digits.starts_with(b"\\u") {
            return None;
        }
        std::str::from_utf8(&digits[2..]).ok().and_then(|hex| u32::from_str_radix(hex, 16).ok())
    };
    let first = unit(0)?;
    let (code, consumed) = match (first, unit(6)) {
        (0xD800..=0xDBFF, Some(low @ 0xDC00..=0xDFFF)) => (0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00), 12),
        _ => (first, 6),
    };
    let character = char::from_u32(code)?;
    Some((character.to_string().into_bytes(), consumed))
}

/// The text with each run of hidden bytes replaced by one mark (a run that splits a character
/// takes the whole character).
fn replace_marked(text: &str, hidden: &[bool]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_run = false;
    for (at, character) in text.char_indices() {
        if hidden[at..at + character.len_utf8()].contains(&true) {
            if !in_run {
                out.push_str(MARK);
            }
            in_run = true;
        } else {
            out.push(character);
            in_run = false;
        }
    }
    out
}

#[cfg(test)]
#[path = "redact_tests.rs"]
mod tests;
