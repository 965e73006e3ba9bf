//! CSV fields written by hand, quoted as the `csv` crate's default writer quotes them: in
//! double quotes, inner quotes doubled, when the field holds a comma, a quote, CR or LF.

use std::borrow::Cow;

/// Whether a field must be quoted.
fn needs_quotes(field: &[u8]) -> bool {
    field
        .iter()
        .any(|&b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
}

/// Appends one field to `out`.
pub fn push(out: &mut Vec<u8>, field: &[u8]) {
    if needs_quotes(field) {
        out.push(b'"');
        for &b in field {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(field);
    }
}

/// One field as text, quoted when it needs to be.
pub fn quoted(s: &str) -> Cow<'_, str> {
    if needs_quotes(s.as_bytes()) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}
