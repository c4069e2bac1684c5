//! Writing for people and programs: every write is checked and nothing panics.
//!
//! Standard output is written with [`stdout`], which reports a failed write (a full disk, say)
//! with exit code 2, and ends quietly with [`EXIT_CLOSED`] (see [`Failure::write`]) when the reader has gone (a closed
//! pipe, as `deemed ... | head` makes). Standard error is written with [`stderr`], which
//! never fails: when it cannot be written there is nowhere left to say so. Files are written
//! with [`AtomicFile`]: in full under their name, or not at all.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use super::failure::Failure;

/// The exit code when standard output is closed before the run has written everything: the
/// status a shell reports for a process that a closed pipe stops (128 + SIGPIPE).
pub(crate) const EXIT_CLOSED: u8 = 141;

/// Text for a terminal: a control character from the input (an escape sequence, a
/// carriage return) is written as its escape, `\u{1b}`, so that it cannot move the cursor,
/// recolour the screen or hide what comes before it; line ends and tabs are kept.
pub(crate) fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Writes text for people to standard output (see [`printable`]) and flushes it.
pub(crate) fn stdout(text: &str) -> Result<(), Failure> {
    stdout_raw(&printable(text))
}

/// Writes text to standard output as it is (a rules file, for `fmt`) and flushes it.
pub(crate) fn stdout_raw(text: &str) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::write(&e, "to standard output"))
}

/// Writes text for people to standard error (see [`printable`]); a failure is dropped, as
/// there is nowhere to report it.
pub(crate) fn stderr(text: &str) {
    let mut err = io::stderr().lock();
    let _ = err
        .write_all(printable(text).as_bytes())
        .and_then(|()| err.flush());
}

/// Writes text for programs (a JSON error) to standard error as it is; JSON has escaped
/// every control character already.
pub(crate) fn stderr_raw(text: &str) {
    let mut err = io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
}

/// Whether errors are written as JSON (`--format json` or `--error-format json`).
static JSON_ERRORS: AtomicBool = AtomicBool::new(false);

/// Errors from now on are JSON (or text).
pub(crate) fn set_json_errors(json: bool) {
    JSON_ERRORS.store(json, Ordering::Relaxed);
}

/// Whether errors are written as JSON.
pub(crate) fn json_errors() -> bool {
    JSON_ERRORS.load(Ordering::Relaxed)
}

/// Whether two paths name the same file (by device and inode where the system has them).
pub(crate) fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(x), Ok(y)) = (fs::metadata(a), fs::metadata(b)) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        x.dev() == y.dev() && x.ino() == y.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (x, y);
        matches!((fs::canonicalize(a), fs::canonicalize(b)), (Ok(p), Ok(q)) if p == q)
    }
}

/// A file written in full or not at all: the text goes to a new temporary file beside the
/// target, which [`AtomicFile::commit`] renames into place (keeping an existing target's
/// permissions). Dropped uncommitted, as when a run fails, the temporary file is removed
/// and an existing target is left as it was.
pub(crate) struct AtomicFile {
    target: PathBuf,
    temp: PathBuf,
    file: Option<BufWriter<File>>,
    /// Written straight to the target: it is not a regular file (a device such as
    /// `/dev/stdout` or `/dev/null`, a pipe), which must never be replaced.
    direct: bool,
}

impl AtomicFile {
    /// Creates the temporary file beside `target`.
    pub(crate) fn create(target: &Path) -> io::Result<AtomicFile> {
        if fs::metadata(target).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
            let file = OpenOptions::new().write(true).open(target)?;
            return Ok(AtomicFile {
                target: target.to_path_buf(),
                temp: PathBuf::new(),
                file: Some(BufWriter::with_capacity(1 << 16, file)),
                direct: true,
            });
        }
        // A link is written through: the file it names is the one replaced.
        let resolved;
        let target = match fs::symlink_metadata(target) {
            Ok(m) if m.file_type().is_symlink() => {
                resolved = fs::canonicalize(target)?;
                resolved.as_path()
            }
            _ => target,
        };
        let name = target
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut n = 0u32;
        loop {
            let mut temp_name = std::ffi::OsString::from(".");
            temp_name.push(name);
            temp_name.push(format!(".deemed-{}-{n}.tmp", std::process::id()));
            let temp = dir.join(temp_name);
            match OpenOptions::new().write(true).create_new(true).open(&temp) {
                Ok(file) => {
                    pending(&temp, true);
                    return Ok(AtomicFile {
                        target: target.to_path_buf(),
                        temp,
                        file: Some(BufWriter::with_capacity(1 << 16, file)),
                        direct: false,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 100 => n += 1,
                Err(e) => return Err(e),
            }
        }
    }

    /// Flushes the text to disk and renames the file into place.
    pub(crate) fn commit(mut self) -> io::Result<()> {
        let Some(buffered) = self.file.take() else {
            return Ok(());
        };
        let file = buffered
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        if self.direct {
            return Ok(());
        }
        file.sync_all()?;
        if let Ok(meta) = fs::metadata(&self.target) {
            fs::set_permissions(&self.temp, meta.permissions())?;
        }
        fs::rename(&self.temp, &self.target)?;
        pending(&self.temp, false);
        Ok(())
    }

    /// The final name, for messages.
    pub(crate) fn target(&self) -> &Path {
        &self.target
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.file {
            Some(f) => f.write(buf),
            None => Err(io::Error::other("the file is already committed")),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.file {
            Some(f) => f.write_all(buf),
            None => Err(io::Error::other("the file is already committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() && !self.direct {
            let _ = fs::remove_file(&self.temp);
            pending(&self.temp, false);
        }
    }
}

/// The exit code of a run stopped by Ctrl-C or SIGTERM.
pub(crate) const EXIT_INTERRUPTED: u8 = 130;

/// The temporary files not yet renamed into place, removed if the run is interrupted.
static PENDING: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Notes a temporary file as pending (`true`) or done with. The first one installs the
/// handler of Ctrl-C and SIGTERM: it removes every pending file, then ends the run with
/// [`EXIT_INTERRUPTED`], so that an interrupted run leaves no temporary file behind (an
/// existing output is kept as it was).
fn pending(temp: &Path, add: bool) {
    static HANDLER: std::sync::Once = std::sync::Once::new();
    HANDLER.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            if let Ok(files) = PENDING.lock() {
                for file in files.iter() {
                    let _ = fs::remove_file(file);
                }
            }
            std::process::exit(i32::from(EXIT_INTERRUPTED));
        });
    });
    if let Ok(mut files) = PENDING.lock() {
        match add {
            true => files.push(temp.to_path_buf()),
            false => files.retain(|f| f != temp),
        }
    }
}

/// Writes a whole file atomically (see [`AtomicFile`]).
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes)?;
    file.commit()
}
