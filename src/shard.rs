//! Sharded scans: a stable split of the resolved inventory into N parts, so N processes (e.g.
//! the pods of a Kubernetes Indexed Job) scan one part each and `merge` joins their run
//! folders. A host's shard depends only on its name (or group) and N: adding a host moves
//! only that host.

use crate::inventory::Target;

/// Which shard a process scans: `index` of `count`, counted from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// `K/N`, as in `--shard 2/4`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| format!("--shard {text:?}: write K/N, e.g. 0/4"))?;
        let number = |s: &str| {
            s.trim()
                .parse::<u32>()
                .map_err(|_| format!("--shard {text:?}: {s:?} is not a whole number"))
        };
        Shard::new(number(k)?, number(n)?)
    }

    pub fn new(index: u32, count: u32) -> Result<Shard, String> {
        if count == 0 || index >= count {
            return Err(format!("shard {index}/{count}: the index must be below the count, which must be at least 1"));
        }
        Ok(Shard { index, count })
    }

    pub fn label(&self) -> String {
        format!("{}/{}", self.index, self.count)
    }
}

/// What keeps hosts together on one shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ShardBy {
    /// Each host on its own, by its name.
    Host,
    /// Every host of a group on one shard (a network segment per pod), by its first group;
    /// hosts in no group go by name.
    Group,
}

/// FNV-1a, 64 bits: stable across runs, machines and versions, unlike std's hasher.
pub fn stable_hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The targets of `shard`, in inventory order.
pub fn select(targets: Vec<Target>, shard: Shard, by: ShardBy) -> Vec<Target> {
    targets
        .into_iter()
        .filter(|t| {
            let key = match by {
                ShardBy::Group => t.groups.first().unwrap_or(&t.name),
                ShardBy::Host => &t.name,
            };
            stable_hash(key.as_bytes()) % u64::from(shard.count) == u64::from(shard.index)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{parse_hosts_toml, UserPaths};

    fn fleet(text: &str) -> Vec<Target> {
        let paths = UserPaths {
            home: "/root".into(),
            default_identities: vec![],
        };
        parse_hosts_toml(text, std::path::Path::new("hosts.toml"), &paths).unwrap()
    }

    fn names(targets: &[Target]) -> Vec<String> {
        targets.iter().map(|t| t.name.clone()).collect()
    }

    #[test]
    fn shards_partition_the_inventory() {
        let all = fleet("[[hosts]]\nname = \"h[000:299]\"\n");
        let parts: Vec<Vec<String>> = (0..3)
            .map(|k| {
                names(&select(
                    all.clone(),
                    Shard::new(k, 3).unwrap(),
                    ShardBy::Host,
                ))
            })
            .collect();
        let mut joined: Vec<String> = parts.concat();
        joined.sort();
        assert_eq!(joined, names(&all), "every host exactly once");
        for part in &parts {
            assert!(part.len() > 60, "roughly even: {}", part.len());
        }
    }

    #[test]
    fn adding_a_host_moves_only_that_host() {
        let before = fleet("[[hosts]]\nname = \"h[000:099]\"\n");
        let after = fleet("[[hosts]]\nname = \"h[000:099]\"\n[[hosts]]\nname = \"new\"\n");
        for k in 0..4 {
            let shard = Shard::new(k, 4).unwrap();
            let mut old = names(&select(before.clone(), shard, ShardBy::Host));
            let new: Vec<String> = names(&select(after.clone(), shard, ShardBy::Host));
            if new.contains(&"new".to_string()) {
                old.push("new".into());
            }
            assert_eq!(old, new);
        }
    }

    #[test]
    fn group_sharding_keeps_a_group_together() {
        let all = fleet("[[hosts]]\nname = \"a[0:9]\"\ngroups = [\"dc-a\"]\n[[hosts]]\nname = \"b[0:9]\"\ngroups = [\"dc-b\"]\n");
        for k in 0..2 {
            let part = select(all.clone(), Shard::new(k, 2).unwrap(), ShardBy::Group);
            let groups: std::collections::BTreeSet<&str> =
                part.iter().map(|t| t.groups[0].as_str()).collect();
            assert!(
                part.is_empty() || (groups.len() == 1 && part.len().is_multiple_of(10)),
                "{groups:?}"
            );
        }
    }

    #[test]
    fn shard_syntax() {
        assert_eq!(Shard::parse("2/4").unwrap(), Shard { index: 2, count: 4 });
        assert!(Shard::parse("4/4").unwrap_err().contains("below the count"));
        assert!(Shard::parse("1").unwrap_err().contains("K/N"));
        assert!(Shard::parse("a/2")
            .unwrap_err()
            .contains("not a whole number"));
    }
}
