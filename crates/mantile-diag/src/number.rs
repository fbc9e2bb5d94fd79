//! Writing integers the way a document writes them (`1,048,576`, `1_048_576`, `1048576`).

/// How a number is written in its document, so a fix keeps the style.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum NumberStyle {
    #[default]
    Plain,
    /// Groups of three separated by `,`.
    Commas,
    /// Groups of three separated by `_`.
    Underscores,
}

impl NumberStyle {
    /// The style of an existing number literal.
    pub fn detect(literal: &str) -> NumberStyle {
        if literal.contains(',') {
            NumberStyle::Commas
        } else if literal.contains('_') {
            NumberStyle::Underscores
        } else {
            NumberStyle::Plain
        }
    }
}

/// `1048576` → `1,048,576`.
pub fn format_grouped(value: i128) -> String {
    format_with_style(value, NumberStyle::Commas)
}

/// Formats an integer in `style`.
pub fn format_with_style(value: i128, style: NumberStyle) -> String {
    let sep = match style {
        NumberStyle::Plain => return value.to_string(),
        NumberStyle::Commas => ',',
        NumberStyle::Underscores => '_',
    };
    let digits = value.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if value < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups() {
        assert_eq!(format_grouped(0), "0");
        assert_eq!(format_grouped(999), "999");
        assert_eq!(format_grouped(1000), "1,000");
        assert_eq!(format_grouped(-1048576), "-1,048,576");
        assert_eq!(
            format_with_style(116829156672, NumberStyle::Underscores),
            "116_829_156_672"
        );
        assert_eq!(format_with_style(42, NumberStyle::Plain), "42");
        assert_eq!(NumberStyle::detect("1,024"), NumberStyle::Commas);
        assert_eq!(NumberStyle::detect("1_024"), NumberStyle::Underscores);
    }
}
