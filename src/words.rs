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
