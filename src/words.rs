//! Explanations in words, written onto a `String`.
//!
//! The trace's tests, a gap warning's misses and a calendar's days off are each written by
//! one `render` method; their `Display` shows the same words, and a batch writes millions of
//! them onto one kept `String` without the formatting machinery between every piece.

/// Something written in words onto a `String`; its `Display` shows the same words.
pub(crate) trait Render {
    /// Writes the words onto the end of `out`.
    fn render(&self, out: &mut String);
}

/// `Display` for types that implement [`Render`]: their words.
macro_rules! display_by_render {
    ($($t:ty),+ $(,)?) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let mut text = String::new();
                $crate::words::Render::render(self, &mut text);
                f.write_str(&text)
            }
        }
    )+};
}

pub(crate) use display_by_render;

/// A month's name in English, from its number (1 is January); empty for no month.
pub(crate) fn month_name(month: u32) -> &'static str {
    u8::try_from(month)
        .ok()
        .and_then(|m| chrono::Month::try_from(m).ok())
        .map_or("", |m| m.name())
}
