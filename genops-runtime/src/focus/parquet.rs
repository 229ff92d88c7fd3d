//! FOCUS rows as Parquet (the `focus-parquet` feature): costs, prices and quantities as exact
//! `DECIMAL(38, s)`, times as UTC timestamps, counts as integers, the rest as strings.

use std::sync::Arc;

use parquet::data_type::{BoolType, ByteArrayType, FixedLenByteArrayType, Int64Type};
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

use super::columns::{Record, COLUMNS};
use super::period::parse_compact;

/// How a column is typed in Parquet.
#[derive(Clone, Copy)]
enum Kind {
    /// An exact decimal with this many places, in 16 bytes.
    Decimal(u32),
    /// A UTC time, to the millisecond.
    Time,
    /// A count.
    Count,
    /// `true` or `false`.
    Flag,
    /// Text.
    Text,
}

/// The Parquet type of `column`: the places of each decimal are those its text is written with.
fn kind(column: &str) -> Kind {
    match column {
        "BilledCost" | "ListCost" => Kind::Decimal(12),
        "ListUnitPrice" => Kind::Decimal(13),
        "ContractedCost" | "EffectiveCost" => Kind::Decimal(16),
        "ContractedUnitPrice" => Kind::Decimal(17),
        "ConsumedQuantity" | "PricingQuantity" => Kind::Decimal(9),
        "ChargePeriodStart" | "ChargePeriodEnd" | "BillingPeriodStart" | "BillingPeriodEnd" => {
            Kind::Time
        }
        "x_Calls" | "x_Errors" | "x_Denied" | "x_UnknownModelCalls" | "x_MissingUsageCalls" => {
            Kind::Count
        }
        "x_UnknownModel" => Kind::Flag,
        _ => Kind::Text,
    }
}

/// A column's line of the Parquet schema.
fn schema_line(column: &str) -> String {
    match kind(column) {
        Kind::Decimal(scale) => {
            format!("OPTIONAL FIXED_LEN_BYTE_ARRAY (16) {column} (DECIMAL(38,{scale}));")
        }
        Kind::Time => format!("OPTIONAL INT64 {column} (TIMESTAMP(MILLIS,true));"),
        Kind::Count => format!("OPTIONAL INT64 {column};"),
        Kind::Flag => format!("OPTIONAL BOOLEAN {column};"),
        Kind::Text => format!("OPTIONAL BYTE_ARRAY {column} (STRING);"),
    }
}

/// A decimal written by the FOCUS rows, as a count of 10^-scale.
fn scaled(text: &str, scale: u32) -> Result<i128, ParquetError> {
    let wrong = || ParquetError::General(format!("{text:?} is not a decimal of {scale} places"));
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let places = scale as usize;
    if fraction.len() > places {
        return Err(wrong());
    }
    let digits = format!("{whole}{fraction:0<places$}");
    digits.parse().map_err(|_| wrong())
}

/// A FOCUS time (`2026-12-06T07:00:00Z`) in milliseconds since the epoch.
fn millis(text: &str) -> Result<i64, ParquetError> {
    let secs = parse_compact(&text.replace(['-', ':'], ""))
        .ok_or_else(|| ParquetError::General(format!("{text:?} is not a FOCUS time")))?;
    i64::try_from(secs * 1_000).map_err(|e| ParquetError::General(e.to_string()))
}

/// `records` as a Parquet file, one row group.
pub(super) fn parquet(records: &[Record]) -> Result<Vec<u8>, ParquetError> {
    let lines: Vec<String> = COLUMNS.iter().map(|c| schema_line(c)).collect();
    let schema = Arc::new(parse_message_type(&format!(
        "message focus {{ {} }}",
        lines.join(" ")
    ))?);
    let properties = Arc::new(WriterProperties::builder().build());
    let mut out = Vec::new();
    let mut writer = SerializedFileWriter::new(&mut out, schema, properties)?;
    let mut group = writer.next_row_group()?;
    let mut i = 0;
    while let Some(mut column) = group.next_column()? {
        let values = records.iter().filter_map(|r| r[i].as_deref());
        let levels: Vec<i16> = records.iter().map(|r| i16::from(r[i].is_some())).collect();
        match kind(COLUMNS[i]) {
            Kind::Decimal(scale) => {
                let values = values
                    .map(|v| Ok(scaled(v, scale)?.to_be_bytes().to_vec().into()))
                    .collect::<Result<Vec<_>, ParquetError>>()?;
                column.typed::<FixedLenByteArrayType>().write_batch(
                    &values,
                    Some(&levels),
                    None,
                )?;
            }
            Kind::Time => {
                let values = values.map(millis).collect::<Result<Vec<_>, _>>()?;
                column
                    .typed::<Int64Type>()
                    .write_batch(&values, Some(&levels), None)?;
            }
            Kind::Count => {
                let values = values
                    .map(|v| v.parse().map_err(|e| ParquetError::General(format!("{e}"))))
                    .collect::<Result<Vec<i64>, _>>()?;
                column
                    .typed::<Int64Type>()
                    .write_batch(&values, Some(&levels), None)?;
            }
            Kind::Flag => {
                let values: Vec<bool> = values.map(|v| v == "true").collect();
                column
                    .typed::<BoolType>()
                    .write_batch(&values, Some(&levels), None)?;
            }
            Kind::Text => {
                let values: Vec<_> = values.map(|v| v.as_bytes().to_vec().into()).collect();
                column
                    .typed::<ByteArrayType>()
                    .write_batch(&values, Some(&levels), None)?;
            }
        }
        column.close()?;
        i += 1;
    }
    group.close()?;
    writer.close()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;

    use super::*;

    #[test]
    fn decimals_times_and_nulls_read_back_exactly() {
        let mut record: Record = std::array::from_fn(|_| None);
        let at = |column: &str| COLUMNS.iter().position(|c| *c == column).unwrap();
        record[at("BilledCost")] = Some("12.000000000001".into());
        record[at("ContractedUnitPrice")] = Some("0.00000000000000001".into());
        record[at("ChargePeriodStart")] = Some("2026-12-06T07:00:00Z".into());
        record[at("x_Calls")] = Some("3".into());
        record[at("x_UnknownModel")] = Some("true".into());
        record[at("Tags")] = Some("{\"genops.team\":\"search\"}".into());
        let bytes = parquet(&[record]).unwrap();
        let reader = SerializedFileReader::new(bytes::Bytes::from(bytes)).unwrap();
        let row = reader.get_row_iter(None).unwrap().next().unwrap().unwrap();
        let fields: std::collections::BTreeMap<_, _> = row
            .get_column_iter()
            .map(|(name, field)| (name.clone(), field.clone()))
            .collect();
        let decimal = |name: &str| match &fields[name] {
            Field::Decimal(d) => i128::from_be_bytes(d.data().try_into().unwrap()),
            other => panic!("{name}: {other:?}"),
        };
        assert_eq!(decimal("BilledCost"), 12_000_000_000_001);
        assert_eq!(decimal("ContractedUnitPrice"), 1);
        assert_eq!(
            fields["ChargePeriodStart"],
            Field::TimestampMillis(1_796_540_400_000)
        );
        assert_eq!(fields["x_Calls"], Field::Long(3));
        assert_eq!(fields["x_UnknownModel"], Field::Bool(true));
        assert_eq!(
            fields["Tags"],
            Field::Str("{\"genops.team\":\"search\"}".into())
        );
        assert_eq!(fields["AvailabilityZone"], Field::Null);
    }
}
