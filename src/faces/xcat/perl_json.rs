//! The text of Perl's `JSON` module as `xcatws.cgi` encodes (`JSON->new()`, and
//! `indent(1)` for `pretty=1`): three spaces a level, one member a line, no space after
//! the colon, a newline after the document; empty arrays and objects stay `[]`/`{}`.
//! The script appends one more newline to any content it sends (`sendResponseMsg`).
//! Keys come sorted (Perl's hash order is random; sorted is one of its orders).

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};
use serde_json::Value;
use std::io;

/// `PrettyFormatter` with Perl's `":"` in place of serde's `": "`.
struct Indent1<'a>(PrettyFormatter<'a>);

impl Formatter for Indent1<'_> {
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b":")
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// The body `xcatws.cgi` sends for `value`: compact, or indented with `pretty`.
pub fn encode(value: &Value, pretty: bool) -> String {
    if !pretty {
        return format!("{value}\n");
    }
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(
        &mut out,
        Indent1(PrettyFormatter::with_indent(b"   ")),
    );
    // Writing a `Value` to a Vec cannot fail.
    let _ = value.serialize(&mut ser);
    let mut text = String::from_utf8(out).unwrap_or_default();
    text.push_str("\n\n");
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn indent_1_as_perl_writes_it() {
        let v = json!({"error": ["a: Error: b"], "errorcode": "1", "x": {}, "y": []});
        assert_eq!(
            encode(&v, true),
            "{\n   \"error\":[\n      \"a: Error: b\"\n   ],\n   \"errorcode\":\"1\",\n   \"x\":{},\n   \"y\":[]\n}\n\n"
        );
        assert_eq!(encode(&json!(["a"]), false), "[\"a\"]\n");
    }
}
