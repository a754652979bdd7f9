//! A snapshot's bytes: gzip-compressed JSON, read with bounds (a damaged file, a newer format
//! or one that decompresses to gigabytes is an error, never a panic or a full memory).

use std::io::{Read, Write};
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use flate2::write::GzEncoder;

use super::{Snapshot, FORMAT_VERSION};
use crate::bounded;

/// The file's bytes for `snapshot`. Serialised whole, then compressed in one call: written
/// straight into the encoder, the JSON arrives in thousands of small writes (one per escape in
/// the panes' contents), and each is a call into the compressor.
pub fn encode(snapshot: &Snapshot) -> Result<Vec<u8>> {
    let json = serde_json::to_vec(snapshot)?;
    let mut encoder = GzEncoder::new(Vec::with_capacity(json.len() / 4), flate2::Compression::fast());
    encoder.write_all(&json)?;
    Ok(encoder.finish()?)
}

/// Reads a snapshot; a damaged file (gzip's checksum, JSON) or a newer format is an error.
pub fn load(path: &Path) -> Result<Snapshot> {
    let file = bounded::open(path, bounded::limit::ARCHIVE)
        .with_context(|| format!("could not open {}", path.display()))?;
    decode(file)
}

/// Reads a snapshot from its gzip-compressed bytes, as `load` does from a file.
pub fn decode(compressed: impl Read) -> Result<Snapshot> {
    // A bound, so a small file that decompresses to gigabytes cannot exhaust memory.
    let json = bounded::gunzip(compressed, bounded::limit::DECOMPRESSED)
        .map_err(|err| anyhow!("damaged ({err})"))?;
    // The version first, from a skim that keeps nothing else (no second copy of the document).
    #[derive(serde::Deserialize)]
    struct Head {
        version: Option<u64>,
    }
    let head: Head = serde_json::from_slice(&json).map_err(|err| anyhow!("damaged ({err})"))?;
    let version = head.version.ok_or_else(|| anyhow!("not a cdev snapshot"))?;
    if version > u64::from(FORMAT_VERSION) {
        bail!("snapshot format {version} is newer than this cdev reads ({FORMAT_VERSION}): upgrade cdev");
    }
    let snapshot: Snapshot = serde_json::from_slice(&json).map_err(|err| anyhow!("damaged ({err})"))?;
    super::limits::check(&snapshot.session).map_err(|err| anyhow!("damaged ({err})"))?;
    Ok(snapshot)
}
