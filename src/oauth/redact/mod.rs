//! Scrubs credentials from text a server sent back (error bodies, descriptions) in any encoding
//! a server may have echoed them in.
//!
//! Each secret is turned once into the literal forms that were sent (the secret itself, and for
//! the client the base64 of `id:secret` in both credential encodings, which is the Basic header's
//! value). Encodings applied by whoever echoes the request are undone on the text instead: the
//! text is read through decoding views (JSON string escapes, percent-encoding with and without
//! `+` for a space, HTML entities, UTF-16's NULs), each applied again to what the others decoded,
//! and each decoded byte remembers which bytes of the original text it came from, so that a match
//! in any view redacts the original span however it was escaped.

use zeroize::Zeroizing;

/// Shorter secrets cannot be told from ordinary text (every "s" would go) and are not scrubbed.
pub(crate) const MIN_REDACTED_LEN: usize = 4;

/// How much of a text is read: what lies beyond is dropped unread.
pub(crate) const SCRUB_WINDOW: usize = 64 * 1024;

/// Decodings stacked on one another at most (double JSON, JSON in a percent-encoded URL, …).
const MAX_DEPTH: usize = 3;
/// Views read at most, all depths together.
const MAX_VIEWS: usize = 16;

const MARK: &str = "[REDACTED]";

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
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} forms)", self.forms.len())
    }
}

/// `text` with every form of every redactor, in every view, replaced by "[REDACTED]", cut to at
/// most `cap` bytes. Of a text longer than `SCRUB_WINDOW` only the window is read, less its last
/// bytes, where an encoded form may have been cut: no prefix of a secret survives either cut.
pub fn scrub(redactors: &[&Redactor], text: &str, cap: usize) -> String {
    let window = &text[..floor_char_boundary(text, SCRUB_WINDOW)];
    let forms: Vec<&[u8]> = redactors.iter().flat_map(|r| r.forms.iter().map(|f| f.as_slice())).collect();
    let longest = forms.iter().map(|f| f.len()).max().unwrap_or(0);
    let mut hidden = vec![false; window.len()];
    if !forms.is_empty() {
        for view in views(window.as_bytes()) {
            for form in &forms {
                view.mark(form, &mut hidden);
            }
        }
    }
    let trusted = if window.len() < text.len() {
        // The widest escape of a byte is 6 (\u0041); stacked escapes widen a form further.
        window.len().saturating_sub(longest * 6 * MAX_DEPTH + MARK.len())
    } else {
        window.len()
    };
    replace_marked(window, &hidden, trusted, cap)
}

/// Every decoding of `text` that changes it, and decodings of those, to `MAX_DEPTH`.
fn views(text: &[u8]) -> Vec<View> {
    let mut views = vec![(View::raw(text), 0)];
    let mut next = 0;
    while next < views.len() {
        let depth = views[next].1;
        if depth < MAX_DEPTH {
            for decoding in DECODINGS {
                if views.len() >= MAX_VIEWS {
                    break;
                }
                let decoded = views[next].0.decoded(decoding);
                if !views.iter().any(|(seen, _)| seen.bytes == decoded.bytes) {
                    views.push((decoded, depth + 1));
                }
            }
        }
        next += 1;
    }
    views.into_iter().map(|(view, _)| view).collect()
}

/// Reads one encoded unit at the start of its argument, or `None` to keep one byte as it is.
type Decoding = fn(&[u8]) -> Option<Unit>;

/// What one encoded unit decodes to (at most a character) and how many bytes it took.
struct Unit {
    bytes: [u8; 4],
    len: usize,
    consumed: usize,
}

impl Unit {
    fn byte(byte: u8, consumed: usize) -> Self {
        Unit { bytes: [byte, 0, 0, 0], len: 1, consumed }
    }

    fn character(character: char, consumed: usize) -> Self {
        let mut bytes = [0; 4];
        let len = character.encode_utf8(&mut bytes).len();
        Unit { bytes, len, consumed }
    }

    fn nothing(consumed: usize) -> Self {
        Unit { bytes: [0; 4], len: 0, consumed }
    }
}

const DECODINGS: [Decoding; 5] = [json_escape, form_percent, url_percent, html_entity, utf16_nul];

/// JSON (and JavaScript) string escapes: `\/`, `\"`, `\'`, `\\`, `\n` and the like, `\uXXXX`
/// (surrogate pairs too).
fn json_escape(bytes: &[u8]) -> Option<Unit> {
    match bytes {
        [b'\\', b'u', ..] => unicode_escape(bytes),
        [b'\\', escaped, ..] => json_simple_escape(*escaped).map(|byte| Unit::byte(byte, 2)),
        _ => None,
    }
}

/// application/x-www-form-urlencoded: `%XX` (either case) as the byte, `+` as a space.
fn form_percent(bytes: &[u8]) -> Option<Unit> {
    match bytes {
        [b'+', ..] => Some(Unit::byte(b' ', 1)),
        _ => url_percent(bytes),
    }
}

/// A URL's `%XX` (either case); `+` stays (lenient encoders leave `+` and `=` alone).
fn url_percent(bytes: &[u8]) -> Option<Unit> {
    match bytes {
        [b'%', high, low, ..] => hex_digit(*high).zip(hex_digit(*low)).map(|(h, l)| Unit::byte(h * 16 + l, 3)),
        _ => None,
    }
}

/// HTML and XML character references: `&amp;` and its kin, `&#38;`, `&#x26;`.
fn html_entity(bytes: &[u8]) -> Option<Unit> {
    if bytes.first() != Some(&b'&') {
        return None;
    }
    let end = bytes.iter().take(12).position(|b| *b == b';')?;
    let name = std::str::from_utf8(&bytes[1..end]).ok()?;
    let code = match name {
        "amp" => '&' as u32,
        "lt" => '<' as u32,
        "gt" => '>' as u32,
        "quot" => '"' as u32,
        "apos" => '\'' as u32,
        _ => match name.strip_prefix('#')? {
            hex if hex.starts_with(['x', 'X']) => u32::from_str_radix(&hex[1..], 16).ok()?,
            decimal => decimal.parse().ok()?,
        },
    };
    Some(Unit::character(char::from_u32(code)?, end + 1))
}

/// UTF-16 text read as bytes: ASCII with a NUL beside each character.
fn utf16_nul(bytes: &[u8]) -> Option<Unit> {
    (bytes.first() == Some(&0)).then(|| Unit::nothing(1))
}

/// The text read through one decoding: each byte with the span of original bytes it came from.
struct View {
    bytes: Vec<u8>,
    /// Start and end in the original text (within `SCRUB_WINDOW`, so u32 is plenty).
    spans: Vec<(u32, u32)>,
}

impl View {
    fn raw(text: &[u8]) -> View {
        View { bytes: text.to_vec(), spans: (0..text.len() as u32).map(|i| (i, i + 1)).collect() }
    }

    /// Marks the original span of every occurrence of `needle`.
    fn mark(&self, needle: &[u8], hidden: &mut [bool]) {
        if needle.is_empty() || needle.len() > self.bytes.len() {
            return;
        }
        for start in 0..=self.bytes.len() - needle.len() {
            if self.bytes[start..].starts_with(needle) {
                let from = self.spans[start].0 as usize;
                let to = self.spans[start + needle.len() - 1].1 as usize;
                hidden[from..to].iter_mut().for_each(|h| *h = true);
            }
        }
    }

    /// Applies `decode` at each position: `Some((bytes, consumed))` replaces `consumed` bytes of
    /// this view; `None` keeps one byte as it is.
    fn decoded(&self, decode: Decoding) -> View {
        let mut out = View { bytes: Vec::with_capacity(self.bytes.len()), spans: Vec::with_capacity(self.bytes.len()) };
        let mut at = 0;
        while at < self.bytes.len() {
            let unit = decode(&self.bytes[at..]).unwrap_or_else(|| Unit::byte(self.bytes[at], 1));
            let span = (self.spans[at].0, self.spans[at + unit.consumed - 1].1);
            for byte in &unit.bytes[..unit.len] {
                out.bytes.push(*byte);
                out.spans.push(span);
            }
            at += unit.consumed;
        }
        out
    }
}

fn hex_digit(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|d| d as u8)
}

fn json_simple_escape(escaped: u8) -> Option<u8> {
    Some(match escaped {
        b'"' | b'\\' | b'/' | b'\'' => escaped,
        b'b' => 0x08,
        b'f' => 0x0C,
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        _ => return None,
    })
}

/// `\uXXXX`, or a surrogate pair `\uD8xx\uDCxx`, as UTF-8.
fn unicode_escape(bytes: &[u8]) -> Option<Unit> {
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
    Some(Unit::character(char::from_u32(code)?, consumed))
}

/// The first `trusted` bytes of `text` with each run of hidden bytes replaced by one mark (a run
/// that splits a character takes the whole character), cut to at most `cap` bytes.
fn replace_marked(text: &str, hidden: &[bool], trusted: usize, cap: usize) -> String {
    let mut out = String::with_capacity(trusted.min(cap));
    let mut in_run = false;
    for (at, character) in text.char_indices() {
        if at >= trusted {
            break;
        }
        let hide = hidden[at..at + character.len_utf8()].contains(&true);
        if hide && in_run {
            continue;
        }
        let width = if hide { MARK.len() } else { character.len_utf8() };
        if out.len() + width > cap {
            break;
        }
        if hide {
            out.push_str(MARK);
        } else {
            out.push(character);
        }
        in_run = hide;
    }
    out
}

/// The largest char boundary of `text` at or below `at`.
fn floor_char_boundary(text: &str, at: usize) -> usize {
    (0..=at.min(text.len())).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0)
}

#[cfg(test)]
mod tests;
