//! A directory of FOCUS files, one per charge period: written atomically, never twice, and
//! resumed after a restart from the files' names alone.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::columns::records;
use super::csv::csv;
use super::period::{compact, parse_compact, unix_seconds};
use super::settings::FocusSettings;
use crate::ledger::Snapshot;

/// The prefix of a FOCUS file's name: `focus-<start>-<end>.csv`, times in UTC
/// (`focus-20261206T070000Z-20261206T080000Z.csv`).
const PREFIX: &str = "focus-";

/// Writes drained ledger periods as FOCUS 1.2 CSV files into a directory, one file per period
/// (and, with the `focus-parquet` feature, a Parquet file of the same rows beside each, with
/// the same name ending in `.parquet`).
///
/// Each file is written to a temporary name and renamed, so it is complete or absent. A period
/// that starts before the end of one already in the directory is refused, so no usage is
/// written twice; a new writer on the same directory resumes where the files end.
///
/// [`init()`](crate::init)'s [`Config::focus`](crate::Config::focus) drains the ledger and
/// writes a file each period; a program that drains the ledger itself writes its own periods:
///
/// ```
/// use std::time::{Duration, SystemTime};
/// let dir = std::env::temp_dir().join(format!("genops-focus-doc-{}", std::process::id()));
/// let mut writer = genops::FocusWriter::new(&dir, genops::FocusSettings::default())?;
/// let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_540_400);
/// let end = start + Duration::from_secs(3_600);
/// let period = genops::Ledger::new().drain();
/// let file = writer.write(&period, start, end)?;
/// assert!(file.ends_with("focus-20261206T070000Z-20261206T080000Z.csv"));
/// // The same hour again is refused.
/// assert!(writer.write(&period, start, end).is_err());
/// assert_eq!(writer.written_until(), Some(end));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct FocusWriter {
    dir: PathBuf,
    settings: FocusSettings,
    /// The end of the last period written, in seconds since the epoch.
    written_until: Option<u64>,
}

impl FocusWriter {
    /// A writer into `dir` (created if missing), resuming after the files already there.
    pub fn new(dir: impl AsRef<Path>, settings: FocusSettings) -> io::Result<Self> {
        let dir = dir.as_ref().to_owned();
        fs::create_dir_all(&dir)?;
        let mut written_until = None;
        for entry in fs::read_dir(&dir)? {
            let name = entry?.file_name();
            if let Some((_, end)) = name.to_str().and_then(period_of) {
                written_until = written_until.max(Some(end));
            }
        }
        Ok(FocusWriter {
            dir,
            settings,
            written_until,
        })
    }

    /// The settings the rows are written with.
    pub fn settings(&self) -> &FocusSettings {
        &self.settings
    }

    /// The end of the last period in the directory, if any.
    pub fn written_until(&self) -> Option<SystemTime> {
        self.written_until
            .map(|secs| UNIX_EPOCH + Duration::from_secs(secs))
    }

    /// Writes `period` (a [`Ledger::drain`](crate::Ledger::drain)ed snapshot) as the charge
    /// period from `start` to `end` (whole seconds, UTC), and returns the CSV file's path.
    ///
    /// Fails with [`io::ErrorKind::AlreadyExists`] when the period starts before the end of one
    /// already written, and with [`io::ErrorKind::InvalidInput`] when it does not end after it
    /// starts.
    pub fn write(
        &mut self,
        period: &Snapshot,
        start: SystemTime,
        end: SystemTime,
    ) -> io::Result<PathBuf> {
        let (start, end) = (unix_seconds(start), unix_seconds(end));
        if end <= start {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a FOCUS period must end after it starts",
            ));
        }
        if self.written_until.is_some_and(|until| start < until) {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "a FOCUS file in {} already covers time after {}: a period is never \
                     written twice",
                    self.dir.display(),
                    compact(start)
                ),
            ));
        }
        let records = records(period, start, end, &self.settings);
        let stem = format!("{PREFIX}{}-{}", compact(start), compact(end));
        #[cfg(feature = "focus-parquet")]
        {
            let bytes = super::parquet::parquet(&records).map_err(io::Error::other)?;
            self.put(&format!("{stem}.parquet"), &bytes)?;
        }
        let path = self.put(&format!("{stem}.csv"), csv(&records).as_bytes())?;
        self.written_until = Some(end);
        Ok(path)
    }

    /// Writes the file `name` atomically: to a temporary name, then renamed.
    fn put(&self, name: &str, contents: &[u8]) -> io::Result<PathBuf> {
        let path = self.dir.join(name);
        let temporary = self.dir.join(format!(".{name}.tmp"));
        fs::write(&temporary, contents)?;
        fs::rename(&temporary, &path)?;
        Ok(path)
    }
}

/// A drained period as FOCUS 1.2 CSV text: the charge period from `start` to `end`.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_540_400);
/// let text = genops::focus_csv(
///     &genops::Ledger::new().drain(),
///     start,
///     start + Duration::from_secs(3_600),
///     &genops::FocusSettings::default(),
/// );
/// assert!(text.starts_with("AvailabilityZone,BilledCost,"));
/// ```
pub fn focus_csv(
    period: &Snapshot,
    start: SystemTime,
    end: SystemTime,
    settings: &FocusSettings,
) -> String {
    csv(&records(
        period,
        unix_seconds(start),
        unix_seconds(end),
        settings,
    ))
}

/// The period (start, end) a FOCUS file's name says it holds.
fn period_of(name: &str) -> Option<(u64, u64)> {
    let times = name.strip_prefix(PREFIX)?;
    let times = times
        .strip_suffix(".csv")
        .or_else(|| times.strip_suffix(".parquet"))?;
    let (start, end) = times.split_once('-')?;
    Some((parse_compact(start)?, parse_compact(end)?))
}
