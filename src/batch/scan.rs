//! A fast scanner for the flat JSON objects of a notice log.
//!
//! It finds the raw text of the fields the batch reads and skips every other value, without
//! building anything. It accepts only valid JSON; on anything it does not accept (or a
//! repeated field) it gives up, and the caller asks serde_json, which then says what is
//! wrong. So it is a shortcut for the common case, never a second opinion.

/// The raw JSON text of the fields of a record (or of one delivery).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fields<'a> {
    pub id: Option<&'a str>,
    pub method: Option<&'a str>,
    pub sent: Option<&'a str>,
    pub received: Option<&'a str>,
    pub to: Option<&'a str>,
    pub from: Option<&'a str>,
    pub fax_number: Option<&'a str>,
    /// The agreement the record is under, in a run over several.
    pub agreement: Option<&'a str>,
    /// A notice of change's new details (`{"party": ..., "fax": [...]}`).
    pub changes: Option<&'a str>,
    pub deliveries: Option<&'a str>,
    /// Which fields are strings without escapes (a bit per [`Fields::PLAIN_METHOD`]...), whose
    /// text is then the bytes between the quotes. Zero says nothing is known.
    pub plain: u8,
}

impl Fields<'_> {
    pub const PLAIN_METHOD: u8 = 1;
    pub const PLAIN_FROM: u8 = 1 << 1;
    pub const PLAIN_SENT: u8 = 1 << 2;
    pub const PLAIN_RECEIVED: u8 = 1 << 3;
    pub const PLAIN_TO: u8 = 1 << 4;
    pub const PLAIN_FAX_NUMBER: u8 = 1 << 5;
    pub const PLAIN_AGREEMENT: u8 = 1 << 6;
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `x` that equals `b` (exact for the lowest such byte).
fn bytes_equal(x: u64, b: u8) -> u64 {
    let y = x ^ (LO * u64::from(b));
    y.wrapping_sub(LO) & !y & HI
}

/// The high bit of each byte of `x` below `n` (n at most 128; exact for the lowest such byte).
fn bytes_below(x: u64, n: u8) -> u64 {
    x.wrapping_sub(LO * u64::from(n)) & !x & HI
}

/// The first position in `bytes` where `hit` marks a byte, eight bytes at a time.
fn find(bytes: &[u8], hit: impl Fn(u64) -> u64, one: impl Fn(u8) -> bool) -> Option<usize> {
    let mut i = 0;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().ok()?);
        let m = hit(word);
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| one(b))
        .map(|p| p + i)
}

/// The first newline in `bytes` (memchr's vectorised search).
pub(crate) fn find_newline(bytes: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', bytes)
}

/// The first byte that ends the plain run of a JSON string: a quote, a backslash, or a
/// control character (which is not allowed there).
pub(crate) fn find_string_special(bytes: &[u8]) -> Option<usize> {
    find(
        bytes,
        |w| bytes_equal(w, b'"') | bytes_equal(w, b'\\') | bytes_below(w, 0x20),
        |b| b == b'"' || b == b'\\' || b < 0x20,
    )
}

/// How deep arrays and objects may nest inside a record.
const MAX_DEPTH: u32 = 64;

/// The keys of a record.
#[derive(Debug, Clone, Copy)]
enum Key {
    Id,
    Method,
    Sent,
    Received,
    To,
    From,
    FaxNumber,
    Agreement,
    Changes,
    Deliveries,
    /// Any other key: its value is checked and skipped.
    Other,
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    i: usize,
}

/// The fields of the JSON object that is the whole of `text`, or `None` to ask serde_json.
pub(crate) fn record(text: &str) -> Option<Fields<'_>> {
    let mut s = Scanner {
        text,
        bytes: text.as_bytes(),
        i: 0,
    };
    s.ws();
    let fields = s.fields()?;
    s.ws();
    (s.i == s.bytes.len()).then_some(fields)
}

/// The fields of a record written the way logs are written: `{"key":"value",...}` with
/// known keys, string values without escapes and no spaces. Anything else (another key, a
/// number, an escape, a space, a repeated key) gives `None`, and [`record`] reads the line.
/// When it reads a line, it reads it as [`record`] does (a property holds it to that).
pub(crate) fn compact(text: &str) -> Option<Fields<'_>> {
    let bytes = text.as_bytes();
    if bytes.first() != Some(&b'{') {
        return None;
    }
    let mut f = Fields::default();
    // The position of the next key's opening quote.
    let mut i = 1;
    loop {
        let at = bytes.get(i..)?;
        // A known key, its colon and the value's opening quote, recognised whole.
        let (slot, bit, len) = match at.get(1)? {
            b'i' if at.starts_with(b"\"id\":\"") => (&mut f.id, 0, 6),
            b'm' if at.starts_with(b"\"method\":\"") => (&mut f.method, Fields::PLAIN_METHOD, 10),
            b's' if at.starts_with(b"\"sent\":\"") => (&mut f.sent, Fields::PLAIN_SENT, 8),
            b'r' if at.starts_with(b"\"received\":\"") => {
                (&mut f.received, Fields::PLAIN_RECEIVED, 12)
            }
            b't' if at.starts_with(b"\"to\":\"") => (&mut f.to, Fields::PLAIN_TO, 6),
            b'f' if at.starts_with(b"\"fax_number\":\"") => {
                (&mut f.fax_number, Fields::PLAIN_FAX_NUMBER, 14)
            }
            b'a' if at.starts_with(b"\"agreement\":\"") => {
                (&mut f.agreement, Fields::PLAIN_AGREEMENT, 13)
            }
            _ => return None,
        };
        if slot.is_some() {
            return None;
        }
        // The value runs from its opening quote to the next special byte, which must be
        // its closing quote.
        let open = i + len - 1;
        let close = open + 1 + find_string_special(bytes.get(open + 1..)?)?;
        if bytes.get(close) != Some(&b'"') {
            return None;
        }
        *slot = Some(text.get(open..=close)?);
        f.plain |= bit;
        match bytes.get(close + 1)? {
            b',' => i = close + 2,
            b'}' if close + 2 == bytes.len() => return Some(f),
            _ => return None,
        }
    }
}

/// The objects of a JSON array of deliveries, or `None` to ask serde_json.
pub(crate) fn deliveries(text: &str) -> Option<Vec<Fields<'_>>> {
    let mut s = Scanner {
        text,
        bytes: text.as_bytes(),
        i: 0,
    };
    s.ws();
    s.eat(b'[')?;
    let mut list = Vec::new();
    s.ws();
    if s.eat(b']').is_some() {
        return Some(list);
    }
    loop {
        s.ws();
        list.push(s.fields()?);
        s.ws();
        match s.next()? {
            b',' => continue,
            b']' => break,
            _ => return None,
        }
    }
    s.ws();
    (s.i == s.bytes.len()).then_some(list)
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.i += 1;
        Some(b)
    }

    /// Consumes `b` if it is next.
    fn eat(&mut self, b: u8) -> Option<()> {
        (self.peek()? == b).then(|| self.i += 1)
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn slice(&self, start: usize) -> Option<&'a str> {
        self.text.get(start..self.i)
    }

    /// Whether a key (with its quotes) is next, as written; it is then consumed.
    fn is_key<const N: usize>(&mut self, key: &[u8; N]) -> bool {
        let next = self
            .bytes
            .get(self.i + 1..)
            .and_then(<[u8]>::first_chunk::<N>);
        let found = self.peek() == Some(b'"') && next == Some(key);
        if found {
            self.i += N + 1;
        }
        found
    }

    /// One of the keys the batch reads, recognised whole by its first letter and its bytes
    /// (the common case, without a scan for the closing quote); `None` for any other key.
    fn known_key(&mut self) -> Option<Key> {
        let key = match self.bytes.get(self.i + 1)? {
            b'i' if self.is_key(b"id\"") => Key::Id,
            b'm' if self.is_key(b"method\"") => Key::Method,
            b's' if self.is_key(b"sent\"") => Key::Sent,
            b'r' if self.is_key(b"received\"") => Key::Received,
            b't' if self.is_key(b"to\"") => Key::To,
            b'f' if self.is_key(b"from\"") => Key::From,
            b'f' if self.is_key(b"fax_number\"") => Key::FaxNumber,
            b'd' if self.is_key(b"deliveries\"") => Key::Deliveries,
            b'a' if self.is_key(b"agreement\"") => Key::Agreement,
            _ => return None,
        };
        Some(key)
    }

    // object ::= "{" (string ":" value ("," string ":" value)*)? "}"
    fn fields(&mut self) -> Option<Fields<'a>> {
        self.eat(b'{')?;
        let mut f = Fields::default();
        self.ws();
        if self.eat(b'}').is_some() {
            return Some(f);
        }
        loop {
            self.ws();
            let key = match self.known_key() {
                Some(key) => key,
                None => {
                    let key_start = self.i;
                    self.string()?;
                    match self.text.get(key_start + 1..self.i - 1)? {
                        "id" => Key::Id,
                        "method" => Key::Method,
                        "sent" => Key::Sent,
                        "received" => Key::Received,
                        "to" => Key::To,
                        "from" => Key::From,
                        "fax_number" => Key::FaxNumber,
                        "agreement" => Key::Agreement,
                        "changes" => Key::Changes,
                        "deliveries" => Key::Deliveries,
                        // Keys with escapes are left to serde_json.
                        k if k.contains('\\') => return None,
                        _ => Key::Other,
                    }
                }
            };
            self.ws();
            self.eat(b':')?;
            self.ws();
            let start = self.i;
            let plain = if self.peek() == Some(b'"') {
                !self.string()?
            } else {
                self.value(0)?;
                false
            };
            let raw = self.slice(start)?;
            let (slot, bit) = match key {
                Key::Id => (&mut f.id, 0),
                Key::Method => (&mut f.method, Fields::PLAIN_METHOD),
                Key::Sent => (&mut f.sent, Fields::PLAIN_SENT),
                Key::Received => (&mut f.received, Fields::PLAIN_RECEIVED),
                Key::To => (&mut f.to, Fields::PLAIN_TO),
                Key::From => (&mut f.from, Fields::PLAIN_FROM),
                Key::FaxNumber => (&mut f.fax_number, Fields::PLAIN_FAX_NUMBER),
                Key::Agreement => (&mut f.agreement, Fields::PLAIN_AGREEMENT),
                Key::Changes => (&mut f.changes, 0),
                Key::Deliveries => (&mut f.deliveries, 0),
                Key::Other => (&mut None, 0),
            };
            if slot.is_some() {
                // A repeated field: serde_json's message says so.
                return None;
            }
            *slot = Some(raw);
            if plain {
                f.plain |= bit;
            }
            self.ws();
            match self.next()? {
                b',' => continue,
                b'}' => return Some(f),
                _ => return None,
            }
        }
    }

    // string ::= '"' (unescaped | "\" escape)* '"'
    /// Whether the string had escapes.
    // Ten times a record: inlined (about 120 instructions a record fewer, by callgrind).
    #[inline(always)]
    fn string(&mut self) -> Option<bool> {
        self.eat(b'"')?;
        let mut escaped = false;
        loop {
            // Jump to the next quote, backslash or (invalid) control character.
            self.i += find_string_special(self.bytes.get(self.i..)?)?;
            match self.next()? {
                b'"' => return Some(escaped),
                c if c < 0x20 => return None,
                _ => {
                    escaped = true;
                    match self.next()? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                        b'u' => {
                            for _ in 0..4 {
                                if !self.next()?.is_ascii_hexdigit() {
                                    return None;
                                }
                            }
                        }
                        _ => return None,
                    }
                }
            }
        }
    }

    // number ::= "-"? ("0" | [1-9] [0-9]*) ("." [0-9]+)? ([eE] [+-]? [0-9]+)?
    fn number(&mut self) -> Option<()> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.next()? {
            b'0' => {}
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            self.digit()?;
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            self.digit()?;
            self.digits();
        }
        Some(())
    }

    fn digit(&mut self) -> Option<()> {
        self.next()?.is_ascii_digit().then_some(())
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.i += 1;
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.i + word.len();
        (self.bytes.get(self.i..end)? == word).then(|| self.i = end)
    }

    // value ::= string | number | object | array | "true" | "false" | "null"
    fn value(&mut self, depth: u32) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'{' | b'[' if depth >= MAX_DEPTH => None,
            b'{' => {
                self.i += 1;
                self.ws();
                if self.eat(b'}').is_some() {
                    return Some(());
                }
                loop {
                    self.ws();
                    self.string()?;
                    self.ws();
                    self.eat(b':')?;
                    self.ws();
                    self.value(depth + 1)?;
                    self.ws();
                    match self.next()? {
                        b',' => continue,
                        b'}' => return Some(()),
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.i += 1;
                self.ws();
                if self.eat(b']').is_some() {
                    return Some(());
                }
                loop {
                    self.ws();
                    self.value(depth + 1)?;
                    self.ws();
                    match self.next()? {
                        b',' => continue,
                        b']' => return Some(()),
                        _ => return None,
                    }
                }
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_fields_and_skips_the_rest() {
        let f = record(
            r#" {"id": 12, "extra": {"a": [1, -2.5e3, true, null, "x\"y"]}, "method":"fax", "sent":"2000-03-03T10:00:00Z", "to": null} "#,
        )
        .unwrap();
        assert_eq!(f.id, Some("12"));
        assert_eq!(f.method, Some("\"fax\""));
        assert_eq!(f.sent, Some("\"2000-03-03T10:00:00Z\""));
        assert_eq!(f.to, Some("null"));
        assert_eq!(f.received, None);
    }

    #[test]
    fn keys_like_the_known_ones_are_other_keys() {
        let f = record(
            r#"{"identity":1,"id":2,"total":3,"to":"a","sent_at":4,"sent":"b","fax":5,"m":6}"#,
        )
        .unwrap();
        assert_eq!(
            (f.id, f.to, f.sent),
            (Some("2"), Some("\"a\""), Some("\"b\""))
        );
        assert_eq!((f.method, f.fax_number), (None, None));
        // A known key written with an escape is left to serde_json.
        assert_eq!(record(r#"{"\u0069d":1}"#), None);
    }

    #[test]
    fn gives_up_on_what_serde_json_should_explain() {
        for bad in [
            r#"{"id":1,"id":2}"#,
            r#"{"id":01}"#,
            r#"{"id":1.}"#,
            r#"{"id":"a"} x"#,
            r#"{"id":"a\q"}"#,
            r#"{"id":tru}"#,
            "{\"id\":\"a\u{1}\"}",
            r#"{"id":1,}"#,
            r#"[1]"#,
            r#"{"id":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"#,
        ] {
            assert_eq!(record(bad), None, "{bad}");
        }
    }

    #[test]
    fn agrees_with_serde_json_on_validity() {
        for text in [
            r#"{}"#,
            r#"{"a":{"b":[]},"id":-0.5E+2}"#,
            r#"{"id":"\u00e9"}"#,
            r#"{"id":true,"method":false}"#,
        ] {
            assert!(record(text).is_some(), "{text}");
            assert!(serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok());
        }
    }

    #[test]
    fn eight_at_a_time_finds_the_first_byte() {
        for text in [
            "",
            "a",
            "abcdefgh",
            "abcdefgh\"",
            "ab\"cdefgh\"",
            "abcdefghijk\\l",
            "é\u{1}",
            "\u{80}\u{ff}x\"y",
        ] {
            let slow = text
                .bytes()
                .position(|c| c == b'"' || c == b'\\' || c < 0x20);
            assert_eq!(find_string_special(text.as_bytes()), slow, "{text:?}");
        }
        // Every position, with bytes that are close to the ones sought.
        for n in 0..20 {
            let mut bytes = vec![0x21u8; 20];
            bytes[n] = b'\n';
            assert_eq!(find_newline(&bytes), Some(n));
            bytes[n] = 0x1f;
            assert_eq!(find_string_special(&bytes), Some(n));
            bytes[n] = 0x0b;
            assert_eq!(find_newline(&bytes), None);
        }
    }

    proptest::proptest! {
        /// What the compact reading reads, it reads as the general scanner does.
        #[test]
        fn the_compact_reading_agrees_with_the_scanner(
            parts in proptest::collection::vec(
                (
                    proptest::sample::select(&["id", "method", "sent", "received", "to", "fax_number", "deliveries", "other", "i", "tox"][..]),
                    proptest::sample::select(&["\"a\"", "\"\"", "\"2000-03-03T10:00:00Z\"", "\"x\\\"y\"", "12", "null", "\"é\"", "\"\u{1}\""][..]),
                ),
                0..8,
            ),
            space in proptest::sample::select(&["", " "][..]),
            tail in proptest::sample::select(&["", " ", "x", ","][..]),
        ) {
            let body: Vec<String> = parts.iter().map(|(k, v)| format!("\"{k}\":{space}{v}")).collect();
            let text = format!("{{{}}}{tail}", body.join(","));
            if let Some(fields) = compact(&text) {
                proptest::prop_assert_eq!(Some(fields), record(&text), "{}", text);
            }
        }
    }

    #[test]
    fn the_compact_reading_reads_the_common_record() {
        let text = r#"{"id":"N1","method":"fax","sent":"2000-03-03T10:00:00-05:00","received":"2000-03-03T10:00:05-05:00","to":"company","fax_number":"(949) 788-6706"}"#;
        let f = compact(text).unwrap();
        assert_eq!(Some(f), record(text));
        assert_eq!(f.fax_number, Some("\"(949) 788-6706\""));
        assert_eq!(f.plain, 0b11_1101);
        for other in [
            r#"{"id":17,"method":"fax"}"#,
            r#"{"id":"N1", "method":"fax"}"#,
            r#"{"id":"N1","id":"N2"}"#,
            r#"{"id":"N\"1"}"#,
            r#"{"id":"N1"} "#,
            r#"{"deliveries":[]}"#,
            r#"{}"#,
        ] {
            assert_eq!(compact(other), None, "{other}");
        }
    }

    #[test]
    fn deliveries_are_a_list_of_objects() {
        let list = deliveries(r#"[{"method":"fax"},{"method":"hand","sent":"x"}]"#).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[1].sent, Some("\"x\""));
        assert_eq!(deliveries("[]").unwrap().len(), 0);
        assert_eq!(deliveries("[1]"), None);
    }
}
