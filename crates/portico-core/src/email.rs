//! E-mail addresses as a parsed type. The address is kept as typed for display and lower-cased for
//! uniqueness (`email_lower`), so `Ann@Example.com` and `ann@example.com` are one account.

use std::fmt;

use crate::error::FieldError;

/// Longest address accepted (RFC 5321 path limit).
pub const MAX_EMAIL_LEN: usize = 254;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    display: String,
    lower: String,
}

impl Email {
    /// Parses an address a person typed. `field` names the input in the error.
    pub fn parse(field: &str, raw: &str) -> Result<Email, FieldError> {
        let s = raw.trim();
        let invalid = |msg: &str| FieldError::new(field, "invalid_format", msg);
        if s.is_empty() {
            return Err(FieldError::new(
                field,
                "required",
                "enter an e-mail address",
            ));
        }
        if s.chars().count() > MAX_EMAIL_LEN {
            return Err(FieldError::new(
                field,
                "too_long",
                format!("an e-mail address has at most {MAX_EMAIL_LEN} characters"),
            ));
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err(invalid("an e-mail address looks like name@example.com"));
        };
        let bad_char = |c: char| {
            c.is_whitespace()
                || c.is_control()
                || matches!(
                    c,
                    '<' | '>' | ',' | ';' | '"' | '(' | ')' | '[' | ']' | '\\'
                )
        };
        if local.is_empty()
            || local.len() > 64
            || local.contains('@')
            || local.chars().any(bad_char)
        {
            return Err(invalid("the part before @ is not valid"));
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(invalid("the part before @ is not valid"));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let label_ok = |l: &&str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        if labels.len() < 2 || !labels.iter().all(label_ok) {
            return Err(invalid(
                "the part after @ must be a domain such as example.com",
            ));
        }
        Ok(Email {
            display: s.to_string(),
            lower: s.to_lowercase(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.display
    }

    /// The lower-cased form used for lookups and the unique index.
    pub fn lower(&self) -> &str {
        &self.lower
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_and_international_addresses() {
        let e = Email::parse("email", "  Ann.Lee+portal@Example.COM ").map_err(|e| e.message);
        assert_eq!(
            e.as_ref().map(|e| e.lower()),
            Ok("ann.lee+portal@example.com")
        );
        assert_eq!(
            e.as_ref().map(|e| e.as_str()),
            Ok("Ann.Lee+portal@Example.COM")
        );
        assert!(Email::parse("email", "李雷@例子.中国").is_ok());
    }

    #[test]
    fn rejects_malformed_addresses_naming_the_field() {
        for bad in [
            "",
            "plain",
            "a@b",
            "@example.com",
            "a@.com",
            "a b@example.com",
            "a..b@example.com",
            "a@exa mple.com",
            "a@-x.com",
        ] {
            let err = Email::parse("contact", bad).err();
            assert_eq!(err.map(|e| e.field), Some("contact".to_string()), "{bad:?}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(
            Email::parse("email", &long).err().map(|e| e.code),
            Some("too_long")
        );
    }
}
