//! Host ranges in names, as Ansible writes them: `web-[01:40]` (zero padding kept), `db-[a:c]`
//! and, with a stride, `web-[01:40:2]` (every second one). Several ranges in one name expand to
//! their product.

/// Expands every `[start:end]` or `[start:end:step]` in `pattern`. A name without brackets is
/// returned as is.
pub fn expand(pattern: &str) -> Result<Vec<String>, String> {
    // Left to right, so a name with many ranges cannot exhaust the stack.
    let mut names = vec![String::new()];
    let mut rest = pattern;
    while let Some(open) = rest.find('[') {
        let close = rest[open..]
            .find(']')
            .map(|i| open + i)
            .ok_or_else(|| format!("range in {pattern:?} has no closing ']'"))?;
        let (prefix, body) = (&rest[..open], &rest[open + 1..close]);
        let parts: Vec<&str> = body.split(':').collect();
        let (start, end, step) = match parts.as_slice() {
            [start, end] => (*start, *end, 1),
            [start, end, step] => {
                let step = step.parse::<u64>().ok().filter(|s| *s > 0).ok_or_else(|| {
                    format!("range [{body}] in {pattern:?}: step {step:?} must be a whole number of at least 1")
                })?;
                (*start, *end, step)
            }
            _ => {
                return Err(format!(
                    "range [{body}] in {pattern:?} must be [start:end] or [start:end:step], e.g. [01:40], [a:c] or [1:9:2]"
                ))
            }
        };
        let items = expand_one(start, end, step)
            .map_err(|e| format!("range [{body}] in {pattern:?}: {e}"))?;
        if names.len().saturating_mul(items.len()) as u64 > MAX_RANGE {
            return Err(format!(
                "{pattern:?} makes more than the {MAX_RANGE} hosts a name may make"
            ));
        }
        names = names
            .iter()
            .flat_map(|name| {
                items
                    .iter()
                    .map(move |item| format!("{name}{prefix}{item}"))
            })
            .collect();
        rest = &rest[close + 1..];
    }
    for name in &mut names {
        name.push_str(rest);
    }
    Ok(names)
}

/// Largest number of hosts one range may make: a typo like [1:9999999] should not eat memory.
const MAX_RANGE: u64 = 1_000_000;

fn expand_one(start: &str, end: &str, step: u64) -> Result<Vec<String>, String> {
    if let (Ok(a), Ok(b)) = (start.parse::<u64>(), end.parse::<u64>()) {
        if a > b {
            return Err(format!("start {a} is after end {b}"));
        }
        let count = ((b - a) / step).saturating_add(1);
        if count > MAX_RANGE {
            return Err(format!(
                "{count} hosts is more than the {MAX_RANGE} a range may make"
            ));
        }
        // Zero padding: "01" pads to 2 digits, as Ansible does.
        let width = if start.len() > 1 && start.starts_with('0') {
            start.len()
        } else {
            0
        };
        return Ok((a..=b)
            .step_by(usize::try_from(step).unwrap_or(usize::MAX))
            .map(|n| format!("{n:0width$}"))
            .collect());
    }
    let letter = |s: &str| {
        let mut chars = s.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if c.is_ascii_alphabetic() => Some(c),
            _ => None,
        }
    };
    match (letter(start), letter(end)) {
        (Some(a), Some(b)) if a.is_ascii_lowercase() == b.is_ascii_lowercase() && a <= b => Ok((a
            ..=b)
            .step_by(usize::try_from(step).unwrap_or(usize::MAX))
            .map(String::from)
            .collect()),
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
    fn stride_takes_every_nth_and_keeps_padding() {
        assert_eq!(
            expand("www[01:09:2].example.com").unwrap(),
            [
                "www01.example.com",
                "www03.example.com",
                "www05.example.com",
                "www07.example.com",
                "www09.example.com"
            ]
        );
        assert_eq!(expand("n[1:50:2]").unwrap().len(), 25);
        assert_eq!(expand("n[1:50:2]").unwrap().last().unwrap(), "n49");
        assert_eq!(expand("db-[a:e:2]").unwrap(), ["db-a", "db-c", "db-e"]);
        assert_eq!(expand("n[3:3:7]").unwrap(), ["n3"]);
    }

    #[test]
    fn bad_stride_and_huge_products_are_refused() {
        assert!(expand("n[1:9:0]").unwrap_err().contains("step \"0\""));
        assert!(expand("n[1:9:x]").unwrap_err().contains("at least 1"));
        assert!(expand("n[1:9:2:3]")
            .unwrap_err()
            .contains("[start:end:step]"));
        assert!(expand("n[0:18446744073709551615]")
            .unwrap_err()
            .contains("more than"));
        assert!(expand("a[1:2000]b[1:2000]")
            .unwrap_err()
            .contains("more than"));
        // Many ranges in one name: no deep recursion.
        assert_eq!(expand(&"[1:1]".repeat(100_000)).unwrap().len(), 1);
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
