//! `Content-Disposition` for downloads. File names can come from a guest (a component's
//! name and version): only letters, digits, `.`, `-` and `_` are kept (anything else
//! becomes `_`), the name is cut to 100 characters and quoted, so it can neither break
//! the header nor lead a browser to a path or a hidden file.

/// `attachment; filename="…"` for `name`, made safe.
pub fn attachment(name: &str) -> String {
    let safe: String = name
        .chars()
        .take(100)
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' })
        .collect();
    let safe = safe.trim_start_matches('.');
    format!("attachment; filename=\"{}\"", if safe.is_empty() { "download" } else { safe })
}

#[cfg(test)]
mod tests {
    use super::attachment;

    #[test]
    fn names_from_guests_cannot_break_the_header_or_name_a_path() {
        assert_eq!(attachment("mean-model-0.1.0.wasm"), r#"attachment; filename="mean-model-0.1.0.wasm""#);
        assert_eq!(attachment("a\"; b=\r\nX: y"), r#"attachment; filename="a___b___X__y""#);
        assert_eq!(attachment("../../etc/passwd"), r#"attachment; filename="_.._etc_passwd""#);
        assert_eq!(attachment("..."), r#"attachment; filename="download""#);
        assert_eq!(attachment("modèle"), r#"attachment; filename="mod_le""#);
    }
}
