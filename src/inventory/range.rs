//! Host ranges in names, as Ansible writes them: `web-[01:40]` (zero padding kept) and
//! `db-[a:c]`. Several ranges in one name expand to their product.

/// Expands every `[start:end]` in `pattern`. A name without brackets is returned as is.
pub fn expand(pattern: &str) -> Result<Vec<String>, String> {
    let Some(open) = pattern.find('[') else {
        return Ok(vec![pattern.to_string()]);
    };
    let close = pattern[open..]
        .find(']')
        .map(|i| open + i)
        .ok_or_else(|| format!("range in {pattern:?} has no closing ']'"))?;
    let (prefix, body, suffix) = (
        &pattern[..open],
        &pattern[open + 1..close],
        &pattern[close + 1..],
    );
    let (start, end) = body.split_once(':').ok_or_else(|| {
        format!("range [{body}] in {pattern:?} must be [start:end], e.g. [01:40] or [a:c]")
    })?;
    let items =
        expand_one(start, end).map_err(|e| format!("range [{body}] in {pattern:?}: {e}"))?;
    let rest = expand(suffix)?;
    let mut names = Vec::with_capacity(items.len() * rest.len());
    for item in &items {
        for tail in &rest {
            names.push(format!("{prefix}{item}{tail}"));
        }
    }
    Ok(names)
}

/// Largest number of hosts one range may make: a typo like [1:9999999] should not eat memory.
const MAX_RANGE: u64 = 1_000_000;

fn expand_one(start: &str, end: &str) -> Result<Vec<String>, String> {
    if let (Ok(a), Ok(b)) = (start.parse::<u64>(), end.parse::<u64>()) {
        if a > b {
            return Err(format!("start {a} is after end {b}"));
        }
        if b - a >= MAX_RANGE {
            return Err(format!(
                "{} hosts is more than the {MAX_RANGE} a range may make",
                b - a + 1
            ));
        }
        // Zero padding: "01" pads to 2 digits, as Ansible does.
        let width = if start.len() > 1 && start.starts_with('0') {
            start.len()
        } else {
            0
        };
        return Ok((a..=b).map(|n| format!("{n:0width$}")).collect());
    }
    let letter = |s: &str| {
        let mut chars = s.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if c.is_ascii_alphabetic() => Some(c),
            _ => None,
        }
    };
    match (letter(start), letter(end)) {
        (Some(a), Some(b)) if a.is_ascii_lowercase() == b.is_ascii_lowercase() && a <= b => {
            Ok((a..=b).map(String::from).collect())
        }
        (Some(a), Some(b)) => Err(format!(
            "letters {a:?} to {b:?} are not an ascending range of one case"
        )),
        _ => Err(format!(
            "{start:?} and {end:?} must both be numbers or both single letters"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::expand;

    #[test]
    fn numeric_range_keeps_zero_padding() {
        assert_eq!(
            expand("web-[08:11]").unwrap(),
            ["web-08", "web-09", "web-10", "web-11"]
        );
        assert_eq!(
            expand("n[1:3].lan").unwrap(),
            ["n1.lan", "n2.lan", "n3.lan"]
        );
    }

    #[test]
    fn letter_range_and_product() {
        assert_eq!(expand("db-[a:c]").unwrap(), ["db-a", "db-b", "db-c"]);
        assert_eq!(
            expand("r[1:2]-[x:y]").unwrap(),
            ["r1-x", "r1-y", "r2-x", "r2-y"]
        );
    }

    #[test]
    fn plain_name_is_itself() {
        assert_eq!(expand("web-01").unwrap(), ["web-01"]);
    }

    #[test]
    fn bad_ranges_say_what_is_wrong() {
        assert!(expand("web-[05:01]").unwrap_err().contains("after end"));
        assert!(expand("web-[01-05]").unwrap_err().contains("[start:end]"));
        assert!(expand("web-[01:05").unwrap_err().contains("closing"));
        assert!(expand("web-[a:5]").unwrap_err().contains("both be numbers"));
        assert!(expand("web-[1:99999999]")
            .unwrap_err()
            .contains("more than"));
        assert!(expand("web-[c:a]").unwrap_err().contains("ascending"));
    }
}
