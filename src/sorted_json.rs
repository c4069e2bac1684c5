//! Pretty JSON with every object's keys in sorted order, written straight from a value's
//! `Serialize`: the same bytes as `serde_json::to_string_pretty(&serde_json::to_value(v)?)`
//! (the form the commands print), without building the `serde_json::Value` in between,
//! whose maps and strings cost a query most of its time (see benches/README.md).

use serde::ser::{self, Serialize};

/// The error of a value that cannot be written as JSON (a map key that is not a string).
#[derive(Debug)]
pub struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// `value` as pretty JSON, every object's keys sorted.
pub fn to_string_pretty<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    let mut cx = Context {
        out: Vec::with_capacity(4096),
        scratch: Vec::new(),
        entries: Vec::new(),
    };
    value.serialize(Writer {
        cx: &mut cx,
        depth: 0,
    })?;
    String::from_utf8(cx.out).map_err(|e| Error(e.to_string()))
}

/// What a write shares: the text, a scratch buffer an object's entries are reordered
/// through, and the stack of the open objects' entries (so that nothing is allocated an
/// object).
struct Context {
    out: Vec<u8>,
    scratch: Vec<u8>,
    /// The open objects' entries, in the order they came.
    entries: Vec<Member>,
}

/// An entry of an open object: its key, and where its text lies in `out` while the object
/// is open (from its separator's byte to the end of its value).
struct Member {
    key: std::borrow::Cow<'static, str>,
    /// The key's first eight bytes, big-endian (zero-padded): keys are mostly told apart
    /// by them without comparing their texts.
    prefix: u64,
    start: usize,
    end: usize,
}

impl Member {
    fn order(&self, other: &Member) -> std::cmp::Ordering {
        (self.prefix.cmp(&other.prefix)).then_with(|| self.key.cmp(&other.key))
    }
}

/// A key's first eight bytes as a big-endian number (zero-padded), which orders as its
/// text does (a shorter key's zeros before any byte of a longer one's).
fn prefix(key: &str) -> u64 {
    let mut word = [0u8; 8];
    for (w, b) in word.iter_mut().zip(key.as_bytes()) {
        *w = *b;
    }
    u64::from_be_bytes(word)
}

/// Writes one value at an indentation depth.
struct Writer<'a> {
    cx: &'a mut Context,
    depth: usize,
}

fn indent(out: &mut Vec<u8>, depth: usize) {
    const SPACES: &[u8; 64] = b"                                                                ";
    let mut left = 2 * depth;
    while left > 0 {
        let n = left.min(SPACES.len());
        out.extend_from_slice(SPACES.get(..n).unwrap_or_default());
        left -= n;
    }
}

/// Whether a string needs an escape in JSON (a quote, a backslash or a control
/// character), tested sixteen bytes at a time without a branch within them.
fn needs_escape(s: &str) -> bool {
    let bad = |b: u8| (b < 0x20) | (b == b'"') | (b == b'\\');
    let mut chunks = s.as_bytes().chunks_exact(16);
    for chunk in &mut chunks {
        if chunk.iter().fold(false, |any, b| any | bad(*b)) {
            return true;
        }
    }
    chunks.remainder().iter().any(|b| bad(*b))
}

fn string(out: &mut Vec<u8>, s: &str) {
    // Most strings need no escape: written as they are; the others by serde_json's own
    // escaping.
    if !needs_escape(s) {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

/// An object being written: each entry is written in place as it comes, with its key,
/// indentation and one byte for what comes before it (`{` for the first, `,` for the
/// others, set when the object ends). Entries whose keys come in order (a struct whose
/// fields are declared in that order) are then the object's text already; an entry that
/// came first and belongs further on (the tag of an internally tagged enum) is moved there
/// in place; other objects are rewritten sorted, through the scratch buffer.
struct Object<'a> {
    cx: &'a mut Context,
    depth: usize,
    /// Where its entries begin on the stack.
    base: usize,
    /// Whether every entry so far, but perhaps the first, came after the one before in key
    /// order.
    sorted_after_first: bool,
    /// For a map: the key of the entry whose value comes next.
    key: Option<String>,
    /// For a variant written as `{"Variant": {...}}`: its name.
    variant: Option<&'static str>,
}

impl<'a> Object<'a> {
    fn new(cx: &'a mut Context, depth: usize, variant: Option<&'static str>) -> Object<'a> {
        if let Some(name) = variant {
            cx.out.extend_from_slice(b"{\n");
            indent(&mut cx.out, depth + 1);
            string(&mut cx.out, name);
            cx.out.extend_from_slice(b": ");
        }
        let base = cx.entries.len();
        Object {
            cx,
            depth,
            base,
            sorted_after_first: true,
            key: None,
            variant,
        }
    }

    /// The depth of its entries' keys.
    fn inner(&self) -> usize {
        self.depth + usize::from(self.variant.is_some())
    }

    fn entry<T: Serialize + ?Sized>(
        &mut self,
        key: std::borrow::Cow<'static, str>,
        value: &T,
    ) -> Result<(), Error> {
        let start = self.cx.out.len();
        let depth = self.inner() + 1;
        let entry_prefix = prefix(&key);
        let mine = self.cx.entries.len() - self.base;
        if mine >= 2 {
            if let Some(last) = self.cx.entries.last() {
                // A key equal to the one before is out of order too: the last is kept.
                let after = (last.prefix, &*last.key) < (entry_prefix, &*key);
                self.sorted_after_first &= after;
            }
        }
        let out = &mut self.cx.out;
        out.extend_from_slice(b",\n");
        indent(out, depth);
        string(out, &key);
        out.extend_from_slice(b": ");
        value.serialize(Writer {
            cx: &mut *self.cx,
            depth,
        })?;
        let end = self.cx.out.len();
        self.cx.entries.push(Member {
            key,
            prefix: entry_prefix,
            start,
            end,
        });
        Ok(())
    }

    fn finish(self) -> Result<(), Error> {
        let inner = self.inner();
        let cx = self.cx;
        let entries = cx.entries.get(self.base..).unwrap_or_default();
        match (entries.first(), entries.get(1)) {
            (None, _) => cx.out.extend_from_slice(b"{}"),
            (Some(first), None) => {
                set(&mut cx.out, first.start, b'{');
                close(&mut cx.out, inner);
            }
            (Some(first), Some(_)) if self.sorted_after_first => {
                // Where the first belongs among the others, which are in order.
                let rest = entries.get(1..).unwrap_or_default();
                let place = rest.partition_point(|e| e.order(first).is_lt());
                let equal = rest.get(place).is_some_and(|e| e.order(first).is_eq());
                if equal {
                    sorted_through_scratch(cx, self.base, inner);
                } else {
                    if let Some(before) = place.checked_sub(1).and_then(|p| rest.get(p)) {
                        // The first moves after the others before its place (each entry
                        // begins with its separator's byte, `,` as written).
                        let len = first.end - first.start;
                        if let Some(moved) = cx.out.get_mut(first.start..before.end) {
                            moved.rotate_left(len);
                        }
                    }
                    set(&mut cx.out, first.start, b'{');
                    close(&mut cx.out, inner);
                }
            }
            (Some(_), Some(_)) => sorted_through_scratch(cx, self.base, inner),
        }
        cx.entries.truncate(self.base);
        if self.variant.is_some() {
            cx.out.push(b'\n');
            indent(&mut cx.out, self.depth);
            cx.out.push(b'}');
        }
        Ok(())
    }
}

/// Sets the byte at `at` of the text.
fn set(out: &mut [u8], at: usize, byte: u8) {
    if let Some(b) = out.get_mut(at) {
        *b = byte;
    }
}

/// Ends an object whose entries are written: its closing brace on a line of its own.
fn close(out: &mut Vec<u8>, depth: usize) {
    out.push(b'\n');
    indent(out, depth);
    out.push(b'}');
}

/// Rewrites the entries of the open object whose entries begin at `base` on the stack
/// sorted by key, through the scratch buffer: the last of a key given twice kept (as a map
/// keeps it), each with the separator of its new place, and closes it (its keys at
/// `depth + 1`).
fn sorted_through_scratch(cx: &mut Context, base: usize, depth: usize) {
    let Some(start) = cx.entries.get(base).map(|e| e.start) else {
        return;
    };
    cx.scratch.clear();
    cx.scratch
        .extend_from_slice(cx.out.get(start..).unwrap_or_default());
    cx.out.truncate(start);
    let entries = cx.entries.get_mut(base..).unwrap_or_default();
    entries.sort_by(Member::order);
    let count = entries.len();
    let keep = |n: usize| {
        n + 1 == count || entries.get(n).map(|e| &e.key) != entries.get(n + 1).map(|e| &e.key)
    };
    let mut written = 0;
    for n in (0..count).filter(|n| keep(*n)) {
        let Some(e) = entries.get(n) else {
            continue;
        };
        let text = (cx.scratch.get(e.start - start..e.end - start)).unwrap_or_default();
        // Its separator's byte, then the rest as it came.
        cx.out.push(if written == 0 { b'{' } else { b',' });
        cx.out.extend_from_slice(text.get(1..).unwrap_or_default());
        written += 1;
    }
    close(&mut cx.out, depth);
}

/// The items of an array being written.
struct Array<'a> {
    cx: &'a mut Context,
    depth: usize,
    items: usize,
    variant: Option<&'static str>,
}

impl<'a> Array<'a> {
    fn new(cx: &'a mut Context, depth: usize, variant: Option<&'static str>) -> Array<'a> {
        if let Some(name) = variant {
            cx.out.extend_from_slice(b"{\n");
            indent(&mut cx.out, depth + 1);
            string(&mut cx.out, name);
            cx.out.extend_from_slice(b": ");
        }
        cx.out.push(b'[');
        Array {
            cx,
            depth: depth + usize::from(variant.is_some()),
            items: 0,
            variant,
        }
    }

    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.cx
            .out
            .extend_from_slice(if self.items == 0 { b"\n" } else { b",\n" });
        indent(&mut self.cx.out, self.depth + 1);
        value.serialize(Writer {
            cx: &mut *self.cx,
            depth: self.depth + 1,
        })?;
        self.items += 1;
        Ok(())
    }

    fn finish(self) -> Result<(), Error> {
        let out = &mut self.cx.out;
        if self.items > 0 {
            out.push(b'\n');
            indent(out, self.depth);
        }
        out.push(b']');
        if self.variant.is_some() {
            out.push(b'\n');
            indent(out, self.depth - 1);
            out.push(b'}');
        }
        Ok(())
    }
}

/// The integer methods of the serializer: each number as its decimal text.
macro_rules! integers {
    ($($method:ident: $t:ty),*) => {$(
        fn $method(self, v: $t) -> Result<(), Error> {
            use std::io::Write as _;
            write!(self.cx.out, "{v}").map_err(|e| Error(e.to_string()))
        }
    )*};
}

impl<'a> ser::Serializer for Writer<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Array<'a>;
    type SerializeTuple = Array<'a>;
    type SerializeTupleStruct = Array<'a>;
    type SerializeTupleVariant = Array<'a>;
    type SerializeMap = Object<'a>;
    type SerializeStruct = Object<'a>;
    type SerializeStructVariant = Object<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.cx
            .out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    integers!(
        serialize_i8: i8,
        serialize_i16: i16,
        serialize_i32: i32,
        serialize_i64: i64,
        serialize_u8: u8,
        serialize_u16: u16,
        serialize_u32: u32,
        serialize_u64: u64
    );
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        // As a `Value` writes a number: not finite is null.
        let number = serde_json::Number::from_f64(v).map(serde_json::Value::Number);
        let _ = serde_json::to_writer(&mut self.cx.out, &number.unwrap_or(serde_json::Value::Null));
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        string(&mut self.cx.out, v);
        Ok(())
    }
    fn collect_str<T: std::fmt::Display + ?Sized>(self, value: &T) -> Result<(), Error> {
        /// The text, written to as `fmt` writes (dates and times write a character at a
        /// time).
        struct Text<'b>(&'b mut Vec<u8>);
        impl std::fmt::Write for Text<'_> {
            fn write_str(&mut self, s: &str) -> std::fmt::Result {
                self.0.extend_from_slice(s.as_bytes());
                Ok(())
            }
            fn write_char(&mut self, c: char) -> std::fmt::Result {
                match u8::try_from(c) {
                    Ok(b) if b.is_ascii() => self.0.push(b),
                    _ => self
                        .0
                        .extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
                }
                Ok(())
            }
        }
        // Formatted in place between its quotes; escaped afresh in the rare case it needs
        // it.
        let out = &mut self.cx.out;
        out.push(b'"');
        let start = out.len();
        std::fmt::write(&mut Text(out), format_args!("{value}"))
            .map_err(|e| Error(e.to_string()))?;
        let escape = out
            .get(start..)
            .is_some_and(|t| t.iter().any(|b| *b < 0x20 || *b == b'"' || *b == b'\\'));
        if escape {
            let text = out.split_off(start);
            out.pop();
            let text = String::from_utf8(text).map_err(|e| Error(e.to_string()))?;
            string(out, &text);
        } else {
            out.push(b'"');
        }
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        let mut seq = Array::new(self.cx, self.depth, None);
        for b in v {
            ser::SerializeSeq::serialize_element(&mut seq, b)?;
        }
        seq.finish()
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.cx.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let mut object = Object::new(self.cx, self.depth, None);
        object.entry(std::borrow::Cow::Borrowed(variant), value)?;
        object.finish()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Array<'a>, Error> {
        Ok(Array::new(self.cx, self.depth, None))
    }
    fn serialize_tuple(self, _: usize) -> Result<Array<'a>, Error> {
        Ok(Array::new(self.cx, self.depth, None))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Array<'a>, Error> {
        Ok(Array::new(self.cx, self.depth, None))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Array<'a>, Error> {
        Ok(Array::new(self.cx, self.depth, Some(variant)))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Object<'a>, Error> {
        Ok(Object::new(self.cx, self.depth, None))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Object<'a>, Error> {
        Ok(Object::new(self.cx, self.depth, None))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Object<'a>, Error> {
        Ok(Object::new(self.cx, self.depth, Some(variant)))
    }
}

macro_rules! array_parts {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Array<'_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.item(value)
            }
            fn end(self) -> Result<(), Error> {
                self.finish()
            }
        }
    )*};
}

array_parts!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

macro_rules! struct_parts {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Object<'_> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.entry(std::borrow::Cow::Borrowed(key), value)
            }
            fn end(self) -> Result<(), Error> {
                self.finish()
            }
        }
    )*};
}

struct_parts!(SerializeStruct, SerializeStructVariant);

impl ser::SerializeMap for Object<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        // A key is written as a `Value` map's: a string, or a number or bool as its text.
        let text = serde_json::to_value(key).map_err(|e| Error(e.to_string()))?;
        self.key = Some(match text {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Bool(b) => b.to_string(),
            other => return Err(Error(format!("a map key must be a string, not {other}"))),
        });
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self.key.take().unwrap_or_default();
        self.entry(std::borrow::Cow::Owned(key), value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::to_string_pretty;
    use serde_json::json;

    fn as_value_would<T: serde::Serialize>(v: &T) -> String {
        serde_json::to_string_pretty(&serde_json::to_value(v).unwrap()).unwrap()
    }

    #[test]
    fn writes_what_a_value_writes() {
        #[derive(serde::Serialize)]
        #[serde(tag = "step", rename_all = "kebab-case")]
        enum Step {
            Event {
                zebra: u32,
                apple: Option<String>,
                list: Vec<u8>,
            },
            Empty {},
        }
        #[derive(serde::Serialize)]
        enum Plain {
            Unit,
            Newtype(i64),
            Tuple(u8, bool),
            Struct { b: f64, a: f64 },
        }
        #[derive(serde::Serialize)]
        struct Every {
            z: Vec<Step>,
            m: std::collections::BTreeMap<String, Vec<u8>>,
            p: Vec<Plain>,
            e: Vec<u8>,
            s: &'static str,
            n: Option<u8>,
            f: f64,
        }
        let all = Every {
            z: vec![
                Step::Event {
                    zebra: 1,
                    apple: Some("\"quoted\"\n\u{1b}".into()),
                    list: vec![],
                },
                Step::Empty {},
            ],
            m: [("b".to_string(), vec![1, 2]), ("a".to_string(), vec![])]
                .into_iter()
                .collect(),
            p: vec![
                Plain::Unit,
                Plain::Newtype(-3),
                Plain::Tuple(1, true),
                Plain::Struct {
                    b: 1.5,
                    a: f64::NAN,
                },
            ],
            e: vec![],
            s: "é",
            n: None,
            f: 0.1,
        };
        assert_eq!(to_string_pretty(&all).unwrap(), as_value_would(&all));
        let v = json!({"b": [{}, [], {"y": 1, "x": [null]}], "a": "x"});
        assert_eq!(to_string_pretty(&v).unwrap(), as_value_would(&v));
    }

    /// A tree whose objects give their entries in any order, a key perhaps twice.
    #[derive(Debug, Clone)]
    enum Node {
        Number(i64),
        Text(String),
        /// Written through `Display`, as dates and times are.
        Shown(String),
        List(Vec<Node>),
        Object(Vec<(String, Node)>),
    }

    impl serde::Serialize for Node {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::{SerializeMap, SerializeSeq};
            match self {
                Node::Number(n) => s.serialize_i64(*n),
                Node::Text(t) => s.serialize_str(t),
                Node::Shown(t) => s.collect_str(t),
                Node::List(items) => {
                    let mut seq = s.serialize_seq(Some(items.len()))?;
                    for item in items {
                        seq.serialize_element(item)?;
                    }
                    seq.end()
                }
                Node::Object(entries) => {
                    let mut map = s.serialize_map(Some(entries.len()))?;
                    for (k, v) in entries {
                        map.serialize_entry(k, v)?;
                    }
                    map.end()
                }
            }
        }
    }

    fn node() -> impl proptest::strategy::Strategy<Value = Node> {
        use proptest::prelude::*;
        let key = prop::sample::select(vec!["a", "b", "c", "ab", "é", "a\"b", ""]);
        let leaf = prop_oneof![
            any::<i64>().prop_map(Node::Number),
            "[a-z\"\\\n]{0,4}".prop_map(Node::Text),
            "[a-zé:\"\\\n\u{1}]{0,6}".prop_map(Node::Shown),
        ];
        leaf.prop_recursive(4, 40, 5, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Node::List),
                prop::collection::vec((key.clone().prop_map(String::from), inner), 0..5)
                    .prop_map(Node::Object),
            ]
        })
    }

    proptest::proptest! {
        /// Objects whose entries come in order, out of order or with a key twice are
        /// written as a `serde_json::Value` of them writes them.
        #[test]
        fn entries_in_any_order_are_written_as_a_value_writes_them(tree in node()) {
            proptest::prop_assert_eq!(to_string_pretty(&tree).unwrap(), as_value_would(&tree));
        }
    }
}
