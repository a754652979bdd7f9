//! Reading files that may come from elsewhere (a project's own files, a bundle, a snapshot file,
//! resurrect's files) without trusting them: regular files only (a symlink to `/dev/zero` or a
//! FIFO is refused, not read without end), never more than a stated size, compressed input never
//! more than a stated size once decompressed. Every refusal names the limit.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// Limits for the kinds of file cdev reads, far above any real one of each.
pub mod limit {
    /// A project's `.env.claude`, `.cdev.toml`, a template, cdev's config.
    pub const TEXT: u64 = 1 << 20;
    /// A manifest read for detection (`package.json`), `.vscode/tasks.json`, Claude's settings.
    pub const MANIFEST: u64 = 4 << 20;
    /// A snapshot or a bundle (compressed), a Claude transcript exported in a bundle.
    pub const ARCHIVE: u64 = 256 << 20;
    /// A snapshot or a bundle once decompressed.
    pub const DECOMPRESSED: u64 = 256 << 20;
    /// resurrect's state file and cdev's sidecar beside it.
    pub const RESURRECT: u64 = 64 << 20;
    /// A journal entry, a `.git` file, a `HEAD`.
    pub const SMALL: u64 = 64 << 10;
}

/// `n` bytes as people read them: `1 MiB`, `64 KiB`.
pub fn size(n: u64) -> String {
    match n {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n} bytes"),
    }
}

/// The bytes of the regular file at `path` (symlinks followed), at most `limit` of them. A missing
/// file is `NotFound`, as from `fs::read`; anything else that is not a regular file, or a file
/// larger than `limit`, is an error that says so.
pub fn read(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let file = open(path, limit)?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(limit));
    }
    Ok(bytes)
}

/// [`read`], as UTF-8 text.
pub fn read_text(path: &Path, limit: u64) -> io::Result<String> {
    String::from_utf8(read(path, limit)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"))
}

/// The regular file at `path`, opened for reading, when it is no larger than `limit`.
pub fn open(path: &Path, limit: u64) -> io::Result<File> {
    // Before opening: opening a FIFO blocks until someone writes to it.
    if !std::fs::metadata(path)?.is_file() {
        return Err(not_regular());
    }
    let file = File::open(path)?;
    // The opened file itself, not the path again: what was checked is what is read.
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    if meta.len() > limit {
        return Err(too_large(limit));
    }
    Ok(file)
}

/// At most `max` bytes of the regular file at `path` from `offset` on, and the file's length:
/// for a file that only grows (a Claude transcript), read a piece at a time, however large.
pub fn read_from(path: &Path, offset: u64, max: u64) -> io::Result<(Vec<u8>, u64)> {
    let mut file = open(path, u64::MAX)?;
    let len = file.metadata()?.len();
    let want = max.min(len.saturating_sub(offset));
    // Sized once: `read_to_end` would double its buffer past what is read.
    let mut bytes = Vec::with_capacity(usize::try_from(want).unwrap_or(0));
    if want > 0 {
        io::Seek::seek(&mut file, io::SeekFrom::Start(offset))?;
        file.take(want).read_to_end(&mut bytes)?;
    }
    Ok((bytes, len))
}

/// Decompresses gzip `compressed`, refusing (without holding more than `limit` bytes) output
/// larger than `limit`: a small file that decompresses to gigabytes is a bomb.
pub fn gunzip(compressed: impl Read, limit: u64) -> Result<Vec<u8>, String> {
    let mut decoder = flate2::read::GzDecoder::new(compressed);
    // Through a small buffer, and never grown past the limit: `read_to_end` doubles a full
    // buffer (256 MiB to 512 MiB) only to find the byte that says the limit was passed.
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut out: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 1 << 20];
    loop {
        let read = decoder.read(&mut chunk).map_err(|err| err.to_string())?;
        if read == 0 {
            return Ok(out);
        }
        if out.len() + read > limit {
            return Err(format!("larger than {} once decompressed (the limit)", size(limit as u64)));
        }
        if out.len() + read > out.capacity() {
            let wanted = (out.capacity() * 2).max(out.len() + read).min(limit);
            out.reserve_exact(wanted - out.len());
        }
        out.extend_from_slice(&chunk[..read]);
    }
}

fn not_regular() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "not a regular file (a device, a FIFO or a directory)")
}

fn too_large(limit: u64) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("larger than {} (the limit)", size(limit)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_within_the_limit_are_read_issue_18() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, b"12345").unwrap();
        assert_eq!(read(&file, 5).unwrap(), b"12345");
        assert!(read(&file, 4).unwrap_err().to_string().contains("larger than 4 bytes (the limit)"));
        let zero = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        assert!(read(&zero, 1 << 20).unwrap_err().to_string().contains("not a regular file"));
        assert!(read(dir.path(), 1 << 20).is_err());
        // A FIFO nobody writes to: refused at once, never waited on.
        let fifo = dir.path().join("fifo");
        #[allow(clippy::disallowed_methods)]
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        assert!(read(&fifo, 1 << 20).unwrap_err().to_string().contains("not a regular file"));
        assert_eq!(read(&dir.path().join("none"), 1).unwrap_err().kind(), io::ErrorKind::NotFound);
        // A piece of a file, wherever it starts.
        assert_eq!(read_from(&file, 1, 3).unwrap(), (b"234".to_vec(), 5));
        assert_eq!(read_from(&file, 9, 3).unwrap(), (vec![], 5));
        assert!(read_from(&zero, 0, 1).unwrap_err().to_string().contains("not a regular file"));
    }

    #[test]
    fn a_gzip_bomb_is_refused_at_the_limit_issue_18() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut gz, &vec![b' '; 8 << 20]).unwrap();
        let bomb = gz.finish().unwrap();
        assert!(bomb.len() < 64 << 10);
        assert_eq!(
            gunzip(bomb.as_slice(), 1 << 20).unwrap_err(),
            "larger than 1 MiB once decompressed (the limit)"
        );
        assert_eq!(gunzip(bomb.as_slice(), 8 << 20).unwrap().len(), 8 << 20);
        assert_eq!(size(256 << 20), "256 MiB");
    }
}
