//! How sshd cuts its configuration into lines, keywords and arguments: ports of OpenSSH's
//! `load_server_config()`, `strdelim()` and `argv_split()` (misc.c, servconf.c of 8.7 to
//! 10.x), byte for byte, because the differences are exactly where odd files are read
//! differently ("PermitRootLogin" no, Key=Value, a `#` inside a value, CRLF, NUL bytes).

/// servconf.c's WHITESPACE.
const WHITESPACE: &[u8] = b" \t\r\n";

/// The lines sshd parses from a file's bytes. load_server_config() strips leading spaces,
/// tabs and CRs from each line and copies it up to its first NUL, which also drops the
/// newline after a NUL: the next line is glued on, as in sshd.
pub fn lines(text: &[u8]) -> Vec<Vec<u8>> {
    let mut buffer = Vec::with_capacity(text.len());
    for raw in text.split_inclusive(|&b| b == b'\n') {
        let start = raw
            .iter()
            .position(|b| !b" \t\r".contains(b))
            .unwrap_or(raw.len());
        let line = &raw[start..];
        let end = line.iter().position(|&b| b == 0).unwrap_or(line.len());
        buffer.extend_from_slice(&line[..end]);
    }
    buffer.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect()
}

/// strdelim(): the next token of `s` from `*pos`, splitting on whitespace, one `=` and a
/// double-quoted run; None at the end of the string or for an unclosed quote. `pos` becomes
/// None when nothing follows (C's NULL pointer).
pub fn strdelim(s: &mut Vec<u8>, pos: &mut Option<usize>) -> Option<Vec<u8>> {
    let start = (*pos)?;
    let Some(found) = s[start..]
        .iter()
        .position(|b| WHITESPACE.contains(b) || *b == b'"' || *b == b'=')
        .map(|i| start + i)
    else {
        *pos = None;
        return Some(s[start..].to_vec());
    };
    if s[found] == b'"' {
        s.remove(found);
        return match s[found..].iter().position(|&b| b == b'"') {
            None => {
                *pos = None;
                None
            }
            Some(i) => {
                let close = found + i;
                let token = s[start..close].to_vec();
                *pos = Some(skip_whitespace(s, close + 1));
                Some(token)
            }
        };
    }
    let was_equals = s[found] == b'=';
    let token = s[start..found].to_vec();
    let mut next = skip_whitespace(s, found + 1);
    if !was_equals && s.get(next) == Some(&b'=') {
        next = skip_whitespace(s, next + 1);
    }
    *pos = Some(next);
    Some(token)
}

fn skip_whitespace(s: &[u8], mut at: usize) -> usize {
    while s.get(at).is_some_and(|b| WHITESPACE.contains(b)) {
        at += 1;
    }
    at
}

/// argv_split(s, terminate_on_comment=1): tokens separated by spaces or tabs, `"` and `'`
/// quotes, a backslash escaping a quote, a backslash or (unquoted) a space, and `#` at the
/// start of a token ending the line. Err for an unclosed quote ("invalid quotes").
pub fn argv_split(s: &[u8]) -> Result<Vec<Vec<u8>>, ()> {
    let mut args = Vec::new();
    let mut i = 0;
    while i < s.len() {
        if s[i] == b' ' || s[i] == b'\t' {
            i += 1;
            continue;
        }
        if s[i] == b'#' {
            break;
        }
        let mut arg = Vec::new();
        let mut quote = 0u8;
        while i < s.len() {
            let c = s[i];
            if c == b'\\' {
                match s.get(i + 1) {
                    Some(&next)
                        if next == b'\''
                            || next == b'"'
                            || next == b'\\'
                            || (quote == 0 && next == b' ') =>
                    {
                        arg.push(next);
                        i += 1;
                    }
                    _ => arg.push(c),
                }
            } else if quote == 0 && (c == b' ' || c == b'\t') {
                break;
            } else if quote == 0 && (c == b'"' || c == b'\'') {
                quote = c;
            } else if quote != 0 && c == quote {
                quote = 0;
            } else {
                arg.push(c);
            }
            i += 1;
        }
        if i >= s.len() && quote != 0 {
            return Err(());
        }
        args.push(arg);
        i += 1;
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> (Option<String>, Option<String>) {
        let mut s = line.as_bytes().to_vec();
        let mut pos = Some(0);
        let keyword = strdelim(&mut s, &mut pos).map(|k| String::from_utf8(k).unwrap());
        let rest = pos.map(|p| String::from_utf8(s[p..].to_vec()).unwrap());
        (keyword, rest)
    }

    #[test]
    fn strdelim_splits_like_sshd() {
        assert_eq!(
            words("PermitRootLogin no"),
            (Some("PermitRootLogin".into()), Some("no".into()))
        );
        assert_eq!(
            words("PermitRootLogin=no"),
            (Some("PermitRootLogin".into()), Some("no".into()))
        );
        assert_eq!(
            words("PermitRootLogin = no"),
            (Some("PermitRootLogin".into()), Some("no".into()))
        );
        assert_eq!(
            words("PermitRootLogin==no"),
            (Some("PermitRootLogin".into()), Some("=no".into()))
        );
        assert_eq!(
            words("\"PermitRootLogin\" no"),
            (Some("PermitRootLogin".into()), Some("no".into()))
        );
        assert_eq!(
            words("Permit\"Root\"Login no"),
            (Some("PermitRoot".into()), Some("Login no".into()))
        );
        assert_eq!(words("\"PermitRootLogin no"), (None, None));
        assert_eq!(
            words("PermitRootLogin"),
            (Some("PermitRootLogin".into()), None)
        );
    }

    #[test]
    fn argv_split_quotes_escapes_and_comments() {
        let split = |s: &str| {
            argv_split(s.as_bytes()).map(|a| {
                a.into_iter()
                    .map(|w| String::from_utf8(w).unwrap())
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(split("no # a comment"), Ok(vec!["no".to_string()]));
        assert_eq!(split("no#x"), Ok(vec!["no#x".to_string()]));
        assert_eq!(
            split("'yes' \"a b\""),
            Ok(vec!["yes".to_string(), "a b".to_string()])
        );
        assert_eq!(
            split("a\\ b c\\d"),
            Ok(vec!["a b".to_string(), "c\\d".to_string()])
        );
        assert_eq!(split("\"no"), Err(()));
    }

    #[test]
    fn lines_strip_leading_blanks_and_cut_at_nul() {
        assert_eq!(
            lines(b"  a\r\n\tb\nc\0x\nd\n"),
            vec![b"a\r".to_vec(), b"b".to_vec(), b"cd".to_vec(), b"".to_vec()]
        );
    }
}
