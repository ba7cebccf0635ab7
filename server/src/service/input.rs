//! Parsing what a caller sends: ids and text fields, refused with `invalid_id` or `invalid_input`
//! naming the field.

use crate::error::{AppError, AppResult};
use crate::messages::Code;

/// A stored time (UTC, without zone) as the API carries it: RFC 3339 in UTC.
pub fn utc(t: chrono::NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    t.and_utc()
}

/// An id: a UUID, returned in canonical form; anything else is `invalid_id`.
pub fn parse_id(raw: &str) -> AppResult<String> {
    uuid::Uuid::parse_str(raw).map(|u| u.hyphenated().to_string()).map_err(|_| AppError::new(Code::InvalidId))
}

/// A required text field: trimmed, not empty, at most `max` characters, and no control characters
/// but newline and tab; otherwise `invalid_input` naming the field. A NUL, which PostgreSQL cannot
/// store, is refused here rather than failing the write (and, from a phone, every retry of it).
pub fn text(value: &str, field: &str, max: usize) -> AppResult<String> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max || value.chars().any(forbidden_control) {
        return Err(AppError::invalid(field));
    }
    Ok(value.to_string())
}

/// Control characters a person's text never needs: all but newline and tab; and the bidirectional
/// embeddings, overrides and isolates, which make `\u{202e}gnp.exe` read as `exe.png`.
fn forbidden_control(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c)
}

/// The bidirectional formatting characters that reorder what follows them (U+202A to U+202E,
/// U+2066 to U+2069): the marks U+200E and U+200F only nudge a neutral character and stay allowed.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// An optional text field: absent stays absent, present follows [`text`].
/// A position on the earth, both halves or neither: finite, latitude within ±90 and longitude
/// within ±180 (so `NaN` and infinities are refused), refused as `field` otherwise.
pub fn position(lat: Option<f64>, lng: Option<f64>, field: &str) -> AppResult<Option<(f64, f64)>> {
    match (lat, lng) {
        (None, None) => Ok(None),
        (Some(lat), Some(lng)) if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng) => {
            Ok(Some((lat, lng)))
        }
        _ => Err(AppError::invalid(field)),
    }
}

pub fn optional_text(value: Option<&str>, field: &str, max: usize) -> AppResult<Option<String>> {
    value.map(|v| text(v, field, max)).transpose()
}

/// `?limit=&offset=` paging, at most 200 rows a page.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct Page {
    /// Rows per page, 1 to 200; default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Rows to skip; default 0.
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

impl Page {
    /// `(limit, offset)`, checked.
    pub fn bounds(&self) -> AppResult<(i64, i64)> {
        let limit = self.limit.unwrap_or(50);
        let offset = self.offset.unwrap_or(0);
        if !(1..=200).contains(&limit) {
            return Err(AppError::invalid("limit"));
        }
        if offset < 0 {
            return Err(AppError::invalid("offset"));
        }
        Ok((limit, offset))
    }
}

/// A list with its paging.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub limit: i64,
    pub offset: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_keeps_newlines_and_tabs_and_refuses_other_control_characters() {
        assert_eq!(
            text("  楼上渗水\n顶棚发霉\t严重 ", "description", 100).unwrap(),
            "楼上渗水\n顶棚发霉\t严重"
        );
        for bad in
            ["owner\u{0}", "a\u{7}b", "a\u{1b}[31m", "x\u{7f}", "a\u{85}y", "\u{202e}gnp.exe", "a\u{2067}b"]
        {
            let err = text(bad, "description", 100).unwrap_err();
            assert_eq!(err.code, crate::messages::Code::InvalidInput, "{bad:?}");
        }
        assert!(text("   ", "name", 10).is_err() && text("十一个字符的名字太长了", "name", 10).is_err());
    }
}
