//! Runs in chunks, on one thread or several, with the same output either way.
//!
//! The input is read into chunks of whole lines. A chunk's records are evaluated and
//! written into the chunk, each id only noted by its fingerprint; then, in input order,
//! every id of the chunk is checked against the one duplicate-id table, the rare record
//! whose id was seen before is written again with the warning, and the chunk is written
//! out. Checking a chunk's ids together lets their look-ups in the large table overlap,
//! where a look-up per record would wait on memory each time.
//!
//! On several threads, the calling thread reads and writes while worker threads evaluate
//! the chunks. A fixed number of chunks circulate, so memory stays bounded whatever the
//! input's length, and no record overtakes another.

use std::collections::BTreeMap;
use std::io::{self, BufRead, Write};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use super::ids::First;
use super::{
    Batch, BatchError, CsvColumns, IdIndex, Ids, MAX_LINE, PROGRESS_EVERY, Prints, Summary,
    csv_header, csv_record_ends,
};

/// A chunk holds about this many input bytes...
const CHUNK_BYTES: usize = 1 << 18;
/// ...or this many lines, whichever comes first (a few in the unit tests, so that their
/// small logs span many chunks).
const CHUNK_LINES: usize = if cfg!(test) { 7 } else { 2048 };
/// Chunks in circulation per worker: one being evaluated, one waiting, one being written.
const CHUNKS_PER_WORKER: usize = 3;

/// Reads an input into chunks: whole lines, the byte-order mark and the CSV header taken
/// off, the progress reported.
pub(super) struct Reader {
    line_no: u64,
    /// The input is CSV: its first record is the header.
    csv: bool,
    /// For a worksheet: the row number of each CSV record, its header's first (the sheet's
    /// blank rows have no record); records are numbered by these, not by lines.
    rows: Option<Vec<u64>>,
    /// CSV records read so far, the header included.
    records: usize,
    bytes: u64,
    columns: Option<CsvColumns>,
    ended: bool,
    /// Notes for the summary (a CSV delimiter found).
    notes: Vec<String>,
}

impl Reader {
    /// A reader of an input in the batch's input format.
    pub(super) fn new(csv: bool) -> Reader {
        Reader {
            line_no: 0,
            csv,
            rows: None,
            records: 0,
            bytes: 0,
            columns: None,
            notes: Vec::new(),
            ended: false,
        }
    }

    /// Numbers the records by these rows (a worksheet's), the header's first.
    pub(super) fn number_by_rows(&mut self, rows: Vec<u64>) {
        self.rows = Some(rows);
    }

    /// Fills a chunk with the next lines; `false` when there were none.
    fn fill<R: BufRead>(
        &mut self,
        batch: &Batch<'_>,
        name: &str,
        input: &mut R,
        chunk: &mut Chunk,
        progress: &mut dyn FnMut(u64),
    ) -> Result<bool, BatchError> {
        let read_error = |error| BatchError::Read {
            input: name.to_string(),
            error,
        };
        let csv_input = self.csv;
        chunk.clear();
        chunk.first_line = self.line_no + 1;
        while chunk.lines.len() < CHUNK_LINES && chunk.input.len() < CHUNK_BYTES {
            // The line is read straight onto the chunk's bytes.
            let start = chunk.input.len();
            let Some((too_long, consumed)) =
                read_line(input, &mut chunk.input).map_err(read_error)?
            else {
                self.ended = true;
                break;
            };
            self.line_no += 1;
            self.bytes += consumed as u64;
            if self.line_no == 1 && chunk.input.get(start..start + 3) == Some(&b"\xEF\xBB\xBF"[..])
            {
                chunk.input.drain(start..start + 3);
            }
            if csv_input {
                self.csv_records(batch, name, input, chunk, start, too_long)?;
                continue;
            }
            chunk.numbers.push(self.line_no);
            chunk.lines.push((chunk.input.len(), too_long));
            if self.line_no % PROGRESS_EVERY == 0 {
                progress(self.bytes);
            }
        }
        chunk.columns = self.columns.clone();
        if self.ended && csv_input && self.columns.is_none() {
            return Err(BatchError::CsvEmpty {
                input: name.to_string(),
            });
        }
        Ok(!chunk.lines.is_empty())
    }

    /// The CSV records of the line just read onto `chunk.input` from `start`: lines are
    /// joined while a quoted field is open (its line breaks are the field's), and a CR alone
    /// outside quotes ends a record as a line end does. The first record of the input is its
    /// header.
    fn csv_records<R: BufRead>(
        &mut self,
        batch: &Batch<'_>,
        name: &str,
        input: &mut R,
        chunk: &mut Chunk,
        start: usize,
        too_long: bool,
    ) -> Result<(), BatchError> {
        let first = self.line_no;
        let read = read_csv_records(input, &mut chunk.input, start, too_long).map_err(|error| {
            BatchError::Read {
                input: name.to_string(),
                error,
            }
        })?;
        self.bytes += read.bytes;
        self.ended |= read.ended;
        let mut last_row = None;
        for (k, record) in &read.records {
            let number = match &self.rows {
                Some(rows) => rows.get(self.records).copied().unwrap_or(first + k),
                None => first + k,
            };
            self.records += 1;
            last_row = Some(number);
            if self.columns.is_none() {
                let (columns, note) = csv_header(name, record, batch.options.delimiter)?;
                self.columns = Some(columns);
                self.notes.extend(note);
            } else {
                chunk.input.extend_from_slice(record);
                chunk.numbers.push(number);
                chunk.lines.push((chunk.input.len(), read.too_long));
            }
        }
        self.line_no = match (&self.rows, last_row) {
            (Some(_), Some(row)) => row,
            _ => first + read.lines,
        };
        Ok(())
    }

    /// Ends the input: the last progress, and whatever the batch holds written.
    fn finish<W: Write>(
        self,
        batch: &mut Batch<'_>,
        output: &mut W,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(), BatchError> {
        progress(self.bytes);
        batch.seen_lines += self.line_no;
        batch.summary.notes.extend(self.notes);
        output.write_all(&batch.out).map_err(BatchError::Write)?;
        batch.out.clear();
        output.flush().map_err(BatchError::Write)
    }
}

/// How the reading thread reaches the workers: chunks out, chunks back, and whether any
/// worker has stopped.
type Workers<'a> = (
    &'a mpsc::Sender<Chunk>,
    &'a mpsc::Receiver<Chunk>,
    &'a dyn Fn() -> bool,
);

/// Whole input lines, and the records written for them.
#[derive(Default)]
struct Chunk {
    /// Its place in the input.
    seq: u64,
    /// The line number of its first line.
    first_line: u64,
    /// The CSV input's columns.
    columns: Option<CsvColumns>,
    /// The lines' bytes, one after another.
    input: Vec<u8>,
    /// Each line's end in `input`, and whether it was too long (then it is empty).
    lines: Vec<(usize, bool)>,
    /// Each line's number in its input (a CSV record may take several lines).
    numbers: Vec<u64>,
    /// The records written.
    output: Vec<u8>,
    /// Each record's end in `output`.
    ends: Vec<usize>,
    /// Each record's id, for the duplicate check.
    prints: Prints,
}

impl Chunk {
    fn clear(&mut self) {
        self.input.clear();
        self.lines.clear();
        self.numbers.clear();
        self.output.clear();
        self.ends.clear();
        self.prints.clear();
    }

    /// Line `k` of the chunk: its bytes and whether it was too long.
    fn line(&self, k: usize) -> (&[u8], bool) {
        let start = match k.checked_sub(1) {
            Some(before) => self.lines.get(before).map_or(0, |(end, _)| *end),
            None => 0,
        };
        match self.lines.get(k) {
            Some(&(end, too_long)) => (self.input.get(start..end).unwrap_or_default(), too_long),
            None => (&[], false),
        }
    }
}

impl<'r> Batch<'r> {
    /// A batch that evaluates chunks for a run on several threads: it leaves the id check
    /// and the CSV header to the calling thread.
    fn worker(&self) -> Batch<'r> {
        Batch {
            header_written: true,
            ..self.fresh()
        }
    }

    /// Evaluates every line of a chunk, writing the records into it.
    fn evaluate_chunk(&mut self, name: &str, chunk: &mut Chunk) {
        std::mem::swap(&mut self.out, &mut chunk.output);
        self.out.clear();
        self.ids = Ids::Deferred(std::mem::take(&mut chunk.prints));
        let columns = chunk.columns.clone();
        for k in 0..chunk.lines.len() {
            let (line, too_long) = chunk.line(k);
            let number = chunk
                .numbers
                .get(k)
                .copied()
                .unwrap_or(chunk.first_line + k as u64);
            self.process(name, number, line, too_long, columns.as_ref());
            chunk.ends.push(self.out.len());
        }
        std::mem::swap(&mut self.out, &mut chunk.output);
        if let Ids::Deferred(prints) = std::mem::replace(&mut self.ids, Ids::Known(None)) {
            chunk.prints = prints;
        }
    }

    /// [`Batch::run`] with [`Options::threads`](super::Options::threads) workers evaluating
    /// while this thread reads and writes.
    pub(super) fn run_on_threads<R: BufRead, W: Write>(
        &mut self,
        name: &str,
        reader: Reader,
        mut input: R,
        output: &mut W,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(), BatchError> {
        let threads = self.options.threads;
        let (to_workers, jobs) = mpsc::channel::<Chunk>();
        let jobs = Arc::new(Mutex::new(jobs));
        let (to_writer, done) = mpsc::channel::<Chunk>();
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    let jobs = Arc::clone(&jobs);
                    let to_writer = to_writer.clone();
                    let mut batch = self.worker();
                    scope.spawn(move || {
                        loop {
                            // A poisoned lock means another worker died: stop too.
                            let job = match jobs.lock() {
                                Ok(jobs) => jobs.recv(),
                                Err(_) => break,
                            };
                            let Ok(mut chunk) = job else { break };
                            batch.evaluate_chunk(name, &mut chunk);
                            if to_writer.send(chunk).is_err() {
                                break;
                            }
                        }
                        batch.finish()
                    })
                })
                .collect();
            drop(to_writer);

            let stopped = || workers.iter().any(|w| w.is_finished());
            let mut result = self.feed(
                name,
                reader,
                &mut input,
                output,
                progress,
                (&to_workers, &done, &stopped),
            );
            // No more work: the workers finish what they hold and stop.
            drop(to_workers);
            let mut summaries = Vec::new();
            for worker in workers {
                match worker.join() {
                    Ok(summary) => summaries.push(summary),
                    Err(_) => result = result.and(Err(worker_gone())),
                }
            }
            self.absorb(summaries);
            result
        })
    }

    /// Reads chunks to the workers and writes what they return, in order, until the input
    /// ends and every chunk is written.
    fn feed<R: BufRead, W: Write>(
        &mut self,
        name: &str,
        mut reader: Reader,
        input: &mut R,
        output: &mut W,
        progress: &mut dyn FnMut(u64),
        (to_workers, done, stopped): Workers<'_>,
    ) -> Result<(), BatchError> {
        let mut free: Vec<Chunk> = (0..self.options.threads * CHUNKS_PER_WORKER)
            .map(|_| Chunk::default())
            .collect();
        let mut waiting: BTreeMap<u64, Chunk> = BTreeMap::new();
        let (mut sent, mut next) = (0u64, 0u64);
        let mut rewriter = self.worker();
        loop {
            if !reader.ended {
                if let Some(mut chunk) = free.pop() {
                    if reader.fill(self, name, input, &mut chunk, progress)? {
                        chunk.seq = sent;
                        sent += 1;
                        if to_workers.send(chunk).is_err() {
                            return Err(worker_gone());
                        }
                    } else {
                        free.push(chunk);
                    }
                    continue;
                }
            }
            if next == sent {
                break;
            }
            // A worker only stops early by failing; then its chunk never comes back.
            let chunk = loop {
                match done.recv_timeout(std::time::Duration::from_millis(200)) {
                    Ok(chunk) => break chunk,
                    Err(mpsc::RecvTimeoutError::Timeout) if !stopped() => continue,
                    Err(_) => return Err(worker_gone()),
                }
            };
            waiting.insert(chunk.seq, chunk);
            while let Some(chunk) = waiting.remove(&next) {
                self.write_chunk(name, &chunk, output, &mut rewriter)?;
                next += 1;
                free.push(chunk);
            }
        }
        reader.finish(self, output, progress)
    }

    /// [`Batch::run`] on this thread alone: each chunk is evaluated, then written.
    pub(super) fn run_in_chunks<R: BufRead, W: Write>(
        &mut self,
        name: &str,
        mut reader: Reader,
        mut input: R,
        output: &mut W,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(), BatchError> {
        let mut worker = self.worker();
        let mut rewriter = self.worker();
        let mut chunk = Chunk::default();
        let mut result = Ok(());
        while !reader.ended {
            match reader.fill(self, name, &mut input, &mut chunk, progress) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
            worker.evaluate_chunk(name, &mut chunk);
            if let Err(e) = self.write_chunk(name, &chunk, output, &mut rewriter) {
                result = Err(e);
                break;
            }
        }
        self.absorb(vec![worker.finish()]);
        result?;
        reader.finish(self, output, progress)
    }

    /// Writes a chunk's records, each checked for a duplicate id; a record whose id was seen
    /// before is written again with the warning.
    fn write_chunk<W: Write>(
        &mut self,
        name: &str,
        chunk: &Chunk,
        output: &mut W,
        rewriter: &mut Batch<'r>,
    ) -> Result<(), BatchError> {
        // Whatever this thread wrote before (a CSV header) goes first.
        if !self.out.is_empty() {
            output.write_all(&self.out).map_err(BatchError::Write)?;
            self.out.clear();
        }
        // Lines are numbered across every input for the check.
        let across = self.seen_lines;
        let index = self.index.get_or_insert_with(IdIndex::new);
        if index.take_rising(&chunk.prints, across, &chunk.numbers) {
            return output.write_all(&chunk.output).map_err(BatchError::Write);
        }
        self.summary.duplicate_index_full |= index.unchecked();
        let mut written = 0;
        for (k, print) in chunk.prints.prints.iter().enumerate() {
            let Some(print) = *print else { continue };
            let line_no = chunk
                .numbers
                .get(k)
                .copied()
                .unwrap_or(chunk.first_line + k as u64);
            let first = match index.first_seen(print, across + line_no) {
                Ok(first) => first,
                Err(()) => {
                    self.summary.duplicate_index_full = true;
                    None
                }
            };
            let Some(first) = first else { continue };
            // Back from the number across inputs to the input and its line.
            let at = self.inputs.partition_point(|(start, _)| *start <= first);
            let current = self.inputs.len().checked_sub(1);
            let first = match at
                .checked_sub(1)
                .and_then(|n| Some((n, self.inputs.get(n)?)))
            {
                Some((n, (start, input))) => First {
                    line: first - start + 1,
                    input: (Some(n) != current).then(|| input.clone()),
                },
                None => First {
                    line: first,
                    input: None,
                },
            };
            let start = match k.checked_sub(1) {
                Some(before) => chunk.ends.get(before).copied().unwrap_or(0),
                None => 0,
            };
            let before = chunk.output.get(written..start).unwrap_or_default();
            output.write_all(before).map_err(BatchError::Write)?;
            let again = &mut *rewriter;
            again.out.clear();
            again.ids = Ids::Known(Some(first));
            self.summary.duplicate_ids += 1;
            let (line, too_long) = chunk.line(k);
            again.process(name, line_no, line, too_long, chunk.columns.as_ref());
            output.write_all(&again.out).map_err(BatchError::Write)?;
            written = chunk.ends.get(k).copied().unwrap_or(start);
        }
        let rest = chunk.output.get(written..).unwrap_or_default();
        output.write_all(rest).map_err(BatchError::Write)
    }

    /// Adds the workers' counts to this batch's.
    fn absorb(&mut self, summaries: Vec<Summary>) {
        let mut errors = Vec::new();
        for s in summaries {
            let mine = &mut self.summary;
            mine.records += s.records;
            mine.effective += s.effective;
            mine.gap += s.gap;
            mine.pending += s.pending;
            mine.invalid += s.invalid;
            mine.errors += s.errors;
            for (clause, n) in s.by_clause {
                *mine.by_clause.entry(clause).or_default() += n;
            }
            for (agreement, n) in s.by_agreement {
                *mine.by_agreement.entry(agreement).or_default() += n;
            }
            errors.extend(s.first_errors);
        }
        // Each worker kept its own first errors; the run's first are the earliest of those.
        errors.sort_by_key(|(_, line, _)| *line);
        let room = super::ERRORS_LISTED.saturating_sub(self.summary.first_errors.len());
        self.summary
            .first_errors
            .extend(errors.into_iter().take(room));
    }
}

/// The error when a worker thread has stopped (it can only fail, never return early).
fn worker_gone() -> BatchError {
    BatchError::Write(std::io::Error::other(
        "a worker thread stopped unexpectedly",
    ))
}

/// Reads one line (without its end of line) onto the end of `buf`. `None` at the end of
/// the input; otherwise whether the line was too long (then nothing is added) and the bytes
/// consumed.
/// The CSV records of a line, read by [`read_csv_records`].
pub(super) struct CsvRead {
    /// Each record, by how many lines after the first it starts.
    pub(super) records: Vec<(u64, Vec<u8>)>,
    /// Lines past the first that the records took (joined or split by a CR alone).
    pub(super) lines: u64,
    /// Bytes read past the first line.
    pub(super) bytes: u64,
    /// Whether the input ended inside a quoted field.
    pub(super) ended: bool,
    /// Whether the records were too long (then they are empty).
    pub(super) too_long: bool,
}

/// The CSV records of the line just read onto `buf` from `start` (taken off it): lines are
/// joined while a quoted field is open (its line breaks are the field's), and a CR alone
/// outside quotes ends a record as a line end does.
pub(super) fn read_csv_records<R: BufRead>(
    input: &mut R,
    buf: &mut Vec<u8>,
    start: usize,
    mut too_long: bool,
) -> io::Result<CsvRead> {
    let (mut lines, mut bytes, mut ended) = (0, 0, false);
    while !too_long && csv_record_ends(buf.get(start..).unwrap_or_default()).is_err() {
        buf.push(b'\n');
        let Some((long, consumed)) = read_line(input, buf)? else {
            // The input ends inside a quoted field: the record says so when it is read.
            buf.pop();
            ended = true;
            break;
        };
        lines += 1;
        bytes += consumed as u64;
        if long || buf.len() - start > MAX_LINE {
            too_long = true;
            buf.truncate(start);
        }
    }
    let text = buf.get(start..).unwrap_or_default().to_vec();
    buf.truncate(start);
    let ends = csv_record_ends(&text).unwrap_or_else(|ends| ends);
    let mut records = Vec::with_capacity(ends.len() + 1);
    let mut from = 0;
    for (k, end) in ends
        .iter()
        .copied()
        .chain(std::iter::once(text.len()))
        .enumerate()
    {
        let record = text.get(from..end).unwrap_or_default();
        from = end + 1;
        // Nothing after a last CR is no record.
        if !(record.is_empty() && end == text.len() && k > 0) {
            records.push((k as u64, record.to_vec()));
        }
    }
    // A CR alone is a line end too.
    let lines = lines.max(ends.len() as u64);
    Ok(CsvRead {
        records,
        lines,
        bytes,
        ended,
        too_long,
    })
}

#[inline]
pub(super) fn read_line<R: BufRead>(
    r: &mut R,
    buf: &mut Vec<u8>,
) -> io::Result<Option<(bool, usize)>> {
    let start = buf.len();
    let mut too_long = false;
    let mut consumed = 0;
    loop {
        let available = match r.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            if consumed == 0 {
                return Ok(None);
            }
            break;
        }
        let (chunk, done) = match memchr::memchr(b'\n', available) {
            Some(i) => (available.get(..i).unwrap_or(available), Some(i + 1)),
            None => (available, None),
        };
        // One byte more is taken than a line may hold: a CR before the line's end, which
        // does not count (below).
        if !too_long {
            if buf.len() - start + chunk.len() > MAX_LINE + 1 {
                too_long = true;
                buf.truncate(start);
            } else {
                buf.extend_from_slice(chunk);
            }
        }
        let used = done.unwrap_or(available.len());
        r.consume(used);
        consumed += used;
        if done.is_some() {
            break;
        }
    }
    if buf.len() > start && buf.last() == Some(&b'\r') {
        buf.pop();
    }
    // The limit counts the same with LF and CRLF line ends.
    if buf.len() - start > MAX_LINE {
        too_long = true;
        buf.truncate(start);
    }
    Ok(Some((too_long, consumed)))
}
