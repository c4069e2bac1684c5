//! A log that arrives as a stream (standard input, an HTTP body), held whole in a temporary
//! file before the run, so that its notices of change are read ahead as a file's are: the
//! same log gives the same answers however it arrives.
//!
//! The file has no name (it is removed by the system when it is closed, whatever happens to
//! the run) and is bounded: a stream longer than the bound is an error before any output.

use std::fs::File;
use std::io::{self, Read, Seek, Write};

/// The most a spooled stream may hold: 16 GiB, far beyond any notice log.
pub const MAX_SPOOL: u64 = 16 << 30;

/// Why a stream could not be held.
#[derive(Debug)]
pub enum SpoolError {
    /// Reading the stream or writing the temporary file failed.
    Io(io::Error),
    /// The stream holds more than the bound.
    TooLarge {
        /// The bound, in bytes.
        limit: u64,
    },
}

impl std::fmt::Display for SpoolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SpoolError::Io(e) => write!(f, "cannot hold the log in a temporary file: {e}"),
            SpoolError::TooLarge { limit } => write!(
                f,
                "the log holds more than {} MiB, the most a stream is held before a run",
                limit >> 20
            ),
        }
    }
}

impl std::error::Error for SpoolError {}

/// Copies `input` whole into a new temporary file, at most `limit` bytes, and returns the
/// file read from its start.
///
/// ```
/// use std::io::Read;
/// let mut file = deemed::batch::spool(&b"{\"id\":\"n1\"}\n"[..], 1 << 20).unwrap();
/// let mut text = String::new();
/// file.read_to_string(&mut text).unwrap();
/// assert_eq!(text, "{\"id\":\"n1\"}\n");
/// assert!(deemed::batch::spool(&[0u8; 10][..], 4).is_err());
/// ```
pub fn spool<R: Read>(input: R, limit: u64) -> Result<File, SpoolError> {
    let mut file = tempfile::tempfile().map_err(SpoolError::Io)?;
    let copied =
        io::copy(&mut input.take(limit.saturating_add(1)), &mut file).map_err(SpoolError::Io)?;
    if copied > limit {
        return Err(SpoolError::TooLarge { limit });
    }
    file.flush().map_err(SpoolError::Io)?;
    file.rewind().map_err(SpoolError::Io)?;
    Ok(file)
}
