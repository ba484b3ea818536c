//! `Match` lines: their criteria, checked the way sshd checks them, and decided for one
//! connection (servconf.c match_cfg_line(), match.c, addrmatch.c of OpenSSH 9.x).
//!
//! The connection that matters here is root's, from the cloud console: its user is known,
//! its groups are known when /etc/group could be read, but the address it comes from, the
//! name that address resolves to and the local address and port it reaches are not. A
//! criterion on those is [`Tri::Maybe`]; the caller takes the stricter value then.

use std::net::IpAddr;

use super::lexer::strdelim;

/// A Match condition's outcome: decided either way, or not decidable from facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tri {
    Yes,
    No,
    Maybe,
}

impl Tri {
    pub fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::No, _) | (_, Tri::No) => Tri::No,
            (Tri::Yes, Tri::Yes) => Tri::Yes,
            _ => Tri::Maybe,
        }
    }

    pub fn from_bool(value: bool) -> Tri {
        if value {
            Tri::Yes
        } else {
            Tri::No
        }
    }
}

/// One property of the connection: its value, absent from an `sshd -T -C` test
/// specification (sshd then never matches a criterion on it), or not knowable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Known<T> {
    Is(T),
    NotGiven,
    Unknown,
}

/// The connection a configuration is resolved for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub user: String,
    /// The user's groups (primary first), as getgrouplist() lists them.
    pub groups: Known<Vec<String>>,
    pub host: Known<String>,
    pub address: Known<IpAddr>,
    pub local_address: Known<IpAddr>,
    pub local_port: Known<u16>,
    pub rdomain: Known<String>,
}

impl Connection {
    /// Root logging in from the cloud console: nothing known about where it comes from.
    pub fn console_root(groups: Option<Vec<String>>) -> Connection {
        Connection {
            user: "root".to_string(),
            groups: groups.map_or(Known::Unknown, Known::Is),
            host: Known::Unknown,
            address: Known::Unknown,
            local_address: Known::Unknown,
            local_port: Known::Unknown,
            rdomain: Known::Unknown,
        }
    }
}

/// A Match line's criteria as written ("User root Address 10.0.0.0/8"), its outcome, and
/// the criteria that could not be decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchOutcome {
    pub criteria: String,
    pub result: Tri,
    pub undecided: Vec<String>,
}

/// Evaluates the rest of a `Match` line (`line[start..]`) for `connection`, or only checks
/// its syntax when `connection` is None (sshd's start-up pass, where only `all` matches).
/// Err is sshd's message for a condition it refuses ("Bad Match condition" is fatal).
pub fn evaluate(
    line: &mut Vec<u8>,
    start: Option<usize>,
    connection: Option<&Connection>,
) -> Result<MatchOutcome, String> {
    let mut pos = start;
    let mut result = Tri::Yes;
    let mut attributes = 0;
    let mut words = Vec::new();
    let mut undecided = Vec::new();
    while let Some(attrib) = strdelim(line, &mut pos) {
        if attrib.is_empty() {
            break;
        }
        if attrib[0] == b'#' {
            break;
        }
        attributes += 1;
        let attrib = String::from_utf8_lossy(&attrib).into_owned();
        if attrib.eq_ignore_ascii_case("all") {
            let next = strdelim(line, &mut pos);
            let trailing = next.is_some_and(|n| !n.is_empty() && n[0] != b'#');
            if attributes > 1 || trailing {
                return Err("'all' cannot be combined with other Match attributes".to_string());
            }
            return Ok(MatchOutcome {
                criteria: "all".to_string(),
                result: Tri::Yes,
                undecided,
            });
        }
        let arg = match strdelim(line, &mut pos) {
            Some(arg) if !arg.is_empty() && arg[0] != b'#' => {
                String::from_utf8_lossy(&arg).into_owned()
            }
            _ => return Err(format!("Missing Match criteria for {attrib}")),
        };
        words.push(format!("{attrib} {arg}"));
        let outcome = criterion(&attrib, &arg, connection)?;
        if outcome == Tri::Maybe {
            undecided.push(format!("{attrib} {arg}"));
        }
        result = result.and(outcome);
    }
    if attributes == 0 {
        return Err("One or more attributes required for Match".to_string());
    }
    Ok(MatchOutcome {
        criteria: words.join(" "),
        result,
        undecided,
    })
}

fn known<T>(
    field: &Known<T>,
    connection: Option<&Connection>,
    decide: impl FnOnce(&T) -> bool,
) -> Tri {
    if connection.is_none() {
        return Tri::No;
    }
    match field {
        Known::Is(value) => Tri::from_bool(decide(value)),
        Known::NotGiven => Tri::No,
        Known::Unknown => Tri::Maybe,
    }
}

fn criterion(attrib: &str, arg: &str, connection: Option<&Connection>) -> Result<Tri, String> {
    let lower = attrib.to_ascii_lowercase();
    // Only read when `connection` is Some: known() answers No for the start-up pass.
    let unknown = Connection::console_root(None);
    let conn = connection.unwrap_or(&unknown);
    Ok(match lower.as_str() {
        "user" => match connection {
            None => Tri::No,
            Some(c) => Tri::from_bool(pattern_list(&c.user, arg, false) == 1),
        },
        "group" => known(&conn.groups, connection, |groups| group_list(groups, arg)),
        "host" => known(&conn.host, connection, |host| {
            pattern_list(host, arg, true) == 1
        }),
        "address" | "localaddress" => {
            if !address_list_valid(arg) {
                return Err(format!("Invalid Match {lower} argument '{arg}'"));
            }
            let field = if lower == "address" {
                &conn.address
            } else {
                &conn.local_address
            };
            known(field, connection, |addr| address_list(*addr, arg) == 1)
        }
        "localport" => {
            let port = match arg.parse::<u16>() {
                Ok(port) => Some(port),
                Err(_) if arg == "ssh" => Some(22),
                // A service name: /etc/services is not read.
                Err(_) if !arg.is_empty() && !arg.bytes().all(|b| b.is_ascii_digit()) => None,
                Err(_) => return Err(format!("Invalid LocalPort '{arg}' on Match line")),
            };
            known(&conn.local_port, connection, |lport| {
                port.is_some_and(|p| p == *lport)
            })
        }
        "rdomain" => known(&conn.rdomain, connection, |rdomain| {
            pattern_list(rdomain, arg, false) == 1
        }),
        _ => return Err(format!("Unsupported Match attribute {attrib}")),
    })
}

/// match_pattern(): `*` any run, `?` one character, everything else literal.
pub fn wildcard(s: &[u8], pattern: &[u8]) -> bool {
    let (mut si, mut pi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        match pattern.get(pi) {
            Some(b'*') => {
                star = Some((pi, si));
                pi += 1;
                continue;
            }
            Some(&p) if p == b'?' || p == s[si] => {
                pi += 1;
                si += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((star_p, star_s)) => {
                pi = star_p + 1;
                si = star_s + 1;
                star = Some((star_p, star_s + 1));
            }
            None => return false,
        }
    }
    pattern[pi.min(pattern.len())..].iter().all(|&b| b == b'*')
}

/// match_pattern_list(): 1 when a positive pattern matches, -1 when a negated one does
/// (which wins), 0 otherwise. `lower` lower-cases the patterns (host names).
pub fn pattern_list(s: &str, list: &str, lower: bool) -> i32 {
    let mut positive = 0;
    for raw in list.split(',') {
        let (negated, pattern) = match raw.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, raw),
        };
        let pattern = if lower {
            pattern.to_ascii_lowercase()
        } else {
            pattern.to_string()
        };
        if wildcard(s.as_bytes(), pattern.as_bytes()) {
            if negated {
                return -1;
            }
            positive = 1;
        }
    }
    positive
}

/// ga_match_pattern_list(): some group matches and no group matches a negation.
fn group_list(groups: &[String], list: &str) -> bool {
    let mut found = false;
    for group in groups {
        match pattern_list(group, list, false) {
            -1 => return false,
            1 => found = true,
            _ => {}
        }
    }
    found
}

/// A CIDR entry of an address list: Some((network, prefix)) when it parses as one, None
/// when it is a wildcard pattern instead; Err for a CIDR sshd refuses (host bits set, a
/// prefix too long).
fn cidr(entry: &str) -> Result<Option<(IpAddr, u8)>, ()> {
    let (addr, mask) = match entry.split_once('/') {
        Some((addr, mask)) => {
            if !mask.starts_with(|c: char| c.is_ascii_digit())
                || !mask.bytes().all(|b| b.is_ascii_digit())
            {
                return Ok(None);
            }
            match mask.parse::<u8>() {
                Ok(m) if m <= 128 => (addr, Some(m)),
                _ => return Ok(None),
            }
        }
        None => (entry, None),
    };
    let Ok(ip) = addr.parse::<IpAddr>() else {
        return Ok(None);
    };
    let bits = if ip.is_ipv4() { 32 } else { 128 };
    let mask = mask.unwrap_or(bits);
    if mask > bits {
        return Err(());
    }
    let host_bits = bits - mask;
    let value = ip_bits(ip);
    let host_part = if host_bits == 128 {
        value
    } else {
        value & ((1u128 << host_bits) - 1)
    };
    if host_part != 0 {
        return Err(());
    }
    Ok(Some((ip, mask)))
}

fn ip_bits(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u32::from(v4) as u128,
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// addr_match_list(NULL, list) == 0: every entry is a CIDR sshd accepts or a pattern.
fn address_list_valid(list: &str) -> bool {
    list.split(',').all(|raw| {
        let entry = raw.strip_prefix('!').unwrap_or(raw);
        !entry.is_empty() && cidr(entry).is_ok()
    })
}

/// addr_match_list(addr, list): 1 when an entry matches, -1 when a negated one does.
fn address_list(addr: IpAddr, list: &str) -> i32 {
    let mut result = 0;
    for raw in list.split(',') {
        let (negated, entry) = match raw.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, raw),
        };
        let matched = match cidr(entry) {
            Ok(Some((network, mask))) => {
                network.is_ipv4() == addr.is_ipv4() && {
                    let bits = if addr.is_ipv4() { 32 } else { 128 };
                    let shift = bits - u32::from(mask);
                    let keep = |v: u128| if shift >= 128 { 0 } else { v >> shift };
                    keep(ip_bits(network)) == keep(ip_bits(addr))
                }
            }
            Ok(None) => wildcard(addr.to_string().as_bytes(), entry.as_bytes()),
            Err(()) => false,
        };
        if matched {
            if negated {
                return -1;
            }
            result = 1;
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decide(rest: &str, connection: Option<&Connection>) -> Result<Tri, String> {
        let mut line = rest.as_bytes().to_vec();
        evaluate(&mut line, Some(0), connection).map(|o| o.result)
    }

    fn test_connection() -> Connection {
        Connection {
            user: "root".into(),
            groups: Known::Is(vec!["root".into(), "wheel".into()]),
            host: Known::Is("console.example.com".into()),
            address: Known::Is("198.51.100.7".parse().unwrap()),
            local_address: Known::NotGiven,
            local_port: Known::NotGiven,
            rdomain: Known::NotGiven,
        }
    }

    #[test]
    fn user_group_host_and_address_are_decided_for_a_known_connection() {
        let c = test_connection();
        assert_eq!(decide("User root", Some(&c)), Ok(Tri::Yes));
        assert_eq!(decide("User r*,!admin", Some(&c)), Ok(Tri::Yes));
        assert_eq!(decide("User *,!root", Some(&c)), Ok(Tri::No));
        assert_eq!(
            decide("User ROOT", Some(&c)),
            Ok(Tri::No),
            "user names are case-sensitive"
        );
        assert_eq!(decide("Group wheel", Some(&c)), Ok(Tri::Yes));
        assert_eq!(decide("Group *,!wheel", Some(&c)), Ok(Tri::No));
        assert_eq!(decide("Host *.EXAMPLE.com", Some(&c)), Ok(Tri::Yes));
        assert_eq!(decide("Address 198.51.100.0/24", Some(&c)), Ok(Tri::Yes));
        assert_eq!(
            decide("Address 10.0.0.0/8,198.51.*", Some(&c)),
            Ok(Tri::Yes)
        );
        assert_eq!(decide("Address !198.51.100.0/24,*", Some(&c)), Ok(Tri::No));
        assert_eq!(
            decide("LocalPort 22", Some(&c)),
            Ok(Tri::No),
            "not in the test spec"
        );
        assert_eq!(
            decide("User root Address 10.0.0.0/8", Some(&c)),
            Ok(Tri::No)
        );
    }

    #[test]
    fn the_console_connection_leaves_addresses_undecided() {
        let c = Connection::console_root(None);
        assert_eq!(decide("User root", Some(&c)), Ok(Tri::Yes));
        assert_eq!(decide("Address 10.0.0.0/8", Some(&c)), Ok(Tri::Maybe));
        assert_eq!(
            decide("User root Address 10.0.0.0/8", Some(&c)),
            Ok(Tri::Maybe)
        );
        assert_eq!(
            decide("User admin Address 10.0.0.0/8", Some(&c)),
            Ok(Tri::No)
        );
        assert_eq!(decide("Group wheel", Some(&c)), Ok(Tri::Maybe));
    }

    #[test]
    fn start_up_pass_matches_only_all_and_still_checks_syntax() {
        assert_eq!(decide("User root", None), Ok(Tri::No));
        assert_eq!(decide("all", None), Ok(Tri::Yes));
        assert_eq!(decide("all # comment", None), Ok(Tri::Yes));
        assert!(decide("all User root", None).is_err());
        assert!(decide("User root all", None).is_err());
        assert!(decide("User", None).is_err());
        assert!(decide("Colour blue", None).is_err());
        assert!(decide("Address 10.0.0.1/8", None).is_err(), "host bits set");
        assert!(decide("Address 10.0.0.0/33", None).is_err());
        assert!(decide("", None).is_err());
    }
}
