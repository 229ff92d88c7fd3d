//! FOCUS rows as CSV: a header, then a line per row; a null is an empty field.

use std::collections::BTreeMap;

use super::columns::{Record, COLUMNS};

/// `records` as a CSV file (RFC 4180, `\n` line ends).
pub(super) fn csv(records: &[Record]) -> String {
    let mut out = COLUMNS.join(",");
    out.push('\n');
    for record in records {
        for (i, value) in record.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            if let Some(value) = value {
                field(&mut out, value);
            }
        }
        out.push('\n');
    }
    out
}

/// A field, quoted when it holds a comma, a quote or a line end.
fn field(out: &mut String, value: &str) {
    if value.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// The rows of a FOCUS CSV file (as [`FocusWriter`](crate::FocusWriter) writes them, or any
/// RFC 4180 CSV with a header), each as column name → value; a null is an empty value.
///
/// ```
/// let rows = genops::read_focus_csv("BilledCost,Tags\n0.25,\"{\"\"team\"\":\"\"a,b\"\"}\"\n");
/// assert_eq!(rows[0]["BilledCost"], "0.25");
/// assert_eq!(rows[0]["Tags"], r#"{"team":"a,b"}"#);
/// ```
pub fn read_focus_csv(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut records = Vec::new();
    let mut record = vec![String::new()];
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let field = record.last_mut().expect("a record has a field");
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => record.push(String::new()),
            ('\r', false) => {}
            ('\n', false) => records.push(std::mem::replace(&mut record, vec![String::new()])),
            (c, _) => field.push(c),
        }
    }
    if record.len() > 1 || !record[0].is_empty() {
        records.push(record);
    }
    let mut records = records.into_iter();
    let header = records.next().unwrap_or_default();
    records
        .map(|values| header.iter().cloned().zip(values).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_written_reads_back() {
        let mut record: Record = std::array::from_fn(|_| None);
        record[1] = Some("0.5".into());
        record[56] = Some("{\"a\":\"x,\\\"y\\\"\nz\"}".into());
        let text = csv(&[record.clone()]);
        let rows = read_focus_csv(&text);
        assert_eq!(rows.len(), 1);
        for (column, value) in COLUMNS.iter().zip(&record) {
            assert_eq!(
                rows[0][*column],
                value.clone().unwrap_or_default(),
                "{column}"
            );
        }
    }
}
