//! Harmonized System codes: normalisation, validation and the HS 2022 nomenclature.

/// Normalise an HS code: `"2805.30"` → `"280530"`. Errors explain what is wrong.
pub fn normalise(code: &str) -> Result<String, String> {
    let digits: String = code.chars().filter(|c| *c != '.' && *c != ' ').collect();
    if digits.is_empty() {
        return Err("an HS code needs digits".into());
    }
    if let Some(c) = digits.chars().find(|c| !c.is_ascii_digit()) {
        return Err(format!("`{c}` is not a digit"));
    }
    if code.contains('.') {
        // The dotted form is heading.subheading: "2805.30".
        let ok = code.len() == 7 && code.as_bytes().get(4) == Some(&b'.');
        if !ok {
            return Err(
                "the dotted form is four digits, a dot and two digits (\"2805.30\")".into(),
            );
        }
    }
    match digits.len() {
        2 | 4 | 6 => Ok(digits),
        n => Err(format!("an HS code has 2, 4 or 6 digits, not {n}")),
    }
}

/// Whether an HS code exists in the HS 2022 nomenclature (chapters, headings, subheadings).
pub fn exists(code: &str) -> bool {
    nomenclature().binary_search(&code).is_ok()
}

/// The HS 2022 description of a code, if it exists.
pub fn describe(code: &str) -> Option<&'static str> {
    let codes = nomenclature();
    let i = codes.binary_search(&code).ok()?;
    descriptions().get(i).copied()
}

fn table() -> &'static (Vec<&'static str>, Vec<&'static str>) {
    static TABLE: std::sync::OnceLock<(Vec<&'static str>, Vec<&'static str>)> =
        std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut rows: Vec<(&'static str, &'static str)> =
            HS2022.lines().filter_map(|l| l.split_once('\t')).collect();
        rows.sort_unstable_by_key(|r| r.0);
        rows.into_iter().unzip()
    })
}

fn nomenclature() -> &'static [&'static str] {
    &table().0
}

fn descriptions() -> &'static [&'static str] {
    &table().1
}

/// `code<TAB>description` per line, generated from shared/data/harmonized-system (HS 2022,
/// datasets/harmonized-system, PDDL 1.0).
const HS2022: &str = include_str!("../data/hs2022.tsv");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises() {
        assert_eq!(normalise("2805.30").as_deref(), Ok("280530"));
        assert_eq!(normalise("2604").as_deref(), Ok("2604"));
        assert!(normalise("260").is_err());
        assert!(normalise("26a4").is_err());
        assert!(normalise("28.0530").is_err());
    }

    #[test]
    fn knows_the_nomenclature() {
        assert!(exists("2604"));
        assert!(exists("260400"));
        assert!(exists("26"));
        assert!(!exists("2699"));
        assert_eq!(describe("2605"), Some("Cobalt ores and concentrates"));
    }
}
