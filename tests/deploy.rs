//! The container image and the Kubernetes manifests (Dockerfile, .dockerignore,
//! deploy/kubernetes) agreeing with each other and with the command line: one Job index per
//! shard, one merge folder per shard, names that resolve, mounts where the inventory looks,
//! a locked-down security context, and resources sized from the measured memory per host.
//! No cluster and no Docker engine: the files are parsed, not applied.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::{Yaml, YamlLoader};

/// The scanner's measured memory: ~25 MB RSS per 100 hosts in flight, on ~12 MB for the
/// process itself with a 1000-host inventory.
const MIB: u64 = 1024 * 1024;
const BASE_RSS: u64 = 12 * MIB;
const RSS_PER_HOST_IN_FLIGHT: u64 = MIB / 4;
/// `scan -c` when the args do not say.
const DEFAULT_CONCURRENCY: u64 = 64;
/// The Dockerfile's USER.
const IMAGE_UID: i64 = 10001;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn deploy_dir() -> PathBuf {
    repo().join("deploy/kubernetes")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One YAML document of one file under deploy/kubernetes.
struct Manifest {
    file: String,
    doc: Yaml,
}

impl Manifest {
    fn kind(&self) -> &str {
        self.doc["kind"].as_str().unwrap_or("")
    }

    fn name(&self) -> &str {
        self.doc["metadata"]["name"].as_str().unwrap_or("")
    }

    /// The pod spec of a Job's template, or of a Pod.
    fn pod_spec(&self) -> Option<&Yaml> {
        match self.kind() {
            "Job" => Some(&self.doc["spec"]["template"]["spec"]),
            "Pod" => Some(&self.doc["spec"]),
            _ => None,
        }
    }

    fn is_indexed_job(&self) -> bool {
        self.kind() == "Job" && self.doc["spec"]["completionMode"].as_str() == Some("Indexed")
    }
}

fn yaml_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(deploy_dir())
        .expect("deploy/kubernetes exists")
        .map(|e| e.unwrap().path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        .collect();
    files.sort();
    files
}

fn manifests() -> Vec<Manifest> {
    let mut all = Vec::new();
    for path in yaml_files() {
        let text = read(&path);
        let docs = YamlLoader::load_from_str(&text)
            .unwrap_or_else(|e| panic!("{}: not valid YAML: {e}", path.display()));
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        for doc in docs.into_iter().filter(|d| !d.is_null()) {
            all.push(Manifest {
                file: file.clone(),
                doc,
            });
        }
    }
    all
}

fn find<'a>(all: &'a [Manifest], kind: &str, name: &str) -> &'a Manifest {
    all.iter()
        .find(|m| m.kind() == kind && m.name() == name)
        .unwrap_or_else(|| panic!("no {kind} named {name:?} under deploy/kubernetes"))
}

fn scan_job(all: &[Manifest]) -> &Manifest {
    find(all, "Job", "image-check-scan")
}

fn merge_job(all: &[Manifest]) -> &Manifest {
    find(all, "Job", "image-check-merge")
}

fn list(y: &Yaml) -> &[Yaml] {
    y.as_vec().map(Vec::as_slice).unwrap_or(&[])
}

/// Init containers first, then the containers.
fn all_containers(pod: &Yaml) -> Vec<&Yaml> {
    list(&pod["initContainers"])
        .iter()
        .chain(list(&pod["containers"]))
        .collect()
}

fn container<'a>(m: &'a Manifest, name: &str) -> &'a Yaml {
    all_containers(m.pod_spec().expect("a pod template"))
        .into_iter()
        .find(|c| c["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("{}: no container {name:?}", m.file))
}

/// A container's command or args, each of which Kubernetes wants as a string (a bare `4`
/// would be rejected: "cannot unmarshal number into Go value of type string").
fn strings(y: &Yaml, what: &str) -> Vec<String> {
    list(y)
        .iter()
        .map(|a| {
            a.as_str()
                .unwrap_or_else(|| panic!("{what}: {a:?} is not a string: quote it"))
                .to_owned()
        })
        .collect()
}

fn args(c: &Yaml) -> Vec<String> {
    strings(&c["args"], "args")
}

fn command(c: &Yaml) -> Vec<String> {
    strings(&c["command"], "command")
}

fn flag<'a>(args: &'a [String], names: &[&str]) -> Option<&'a str> {
    args.iter()
        .position(|a| names.contains(&a.as_str()))
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

fn env_value(c: &Yaml, name: &str) -> Option<String> {
    list(&c["env"])
        .iter()
        .find(|e| e["name"].as_str() == Some(name))
        .and_then(|e| e["value"].as_str().map(str::to_owned))
}

fn env_names(c: &Yaml) -> BTreeSet<String> {
    list(&c["env"])
        .iter()
        .filter_map(|e| e["name"].as_str().map(str::to_owned))
        .collect()
}

/// The `$(NAME)` references Kubernetes expands in a command or args.
fn references(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("$(") {
        let after = &rest[start + 2..];
        let Some(end) = after.find(')') else { break };
        names.push(after[..end].to_owned());
        rest = &after[end + 1..];
    }
    names
}

/// The volume mount of `c` that mounts `volume`.
fn mount_of<'a>(c: &'a Yaml, volume: &str) -> Option<&'a Yaml> {
    list(&c["volumeMounts"])
        .iter()
        .find(|m| m["name"].as_str() == Some(volume))
}

/// The volume of `pod` whose `source` (configMap, secret, ...) names `object`.
fn volume_of<'a>(pod: &'a Yaml, source: &str, key: &str, object: &str) -> &'a Yaml {
    list(&pod["volumes"])
        .iter()
        .find(|v| v[source][key].as_str() == Some(object))
        .unwrap_or_else(|| panic!("no {source} volume for {object:?}"))
}

/// A Kubernetes quantity's number and suffix: "250m" -> (250, "m"), "64Mi" -> (64, "Mi").
fn quantity_parts(y: &Yaml) -> (f64, String) {
    let text = match y {
        Yaml::String(s) => s.clone(),
        Yaml::Integer(i) => i.to_string(),
        other => panic!("{other:?} is not a quantity"),
    };
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    (
        number
            .parse()
            .unwrap_or_else(|_| panic!("quantity {text:?}")),
        suffix.to_owned(),
    )
}

/// CPUs in millicores: "250m" -> 250, "1" -> 1000.
fn millicores(y: &Yaml) -> u64 {
    match quantity_parts(y) {
        (n, s) if s == "m" => n as u64,
        (n, s) if s.is_empty() => (n * 1000.0) as u64,
        (_, s) => panic!("cpu quantity with suffix {s:?}"),
    }
}

/// Memory in bytes: "64Mi", "1Gi", "500M", "1000".
fn bytes(y: &Yaml) -> u64 {
    let (n, suffix) = quantity_parts(y);
    let factor = match suffix.as_str() {
        "" => 1.0,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        s => panic!("memory quantity with suffix {s:?}"),
    };
    (n * factor) as u64
}

/// An integer as kubectl reads it: YAML 1.1, where `0400` is octal. yaml-rust2 is YAML 1.2
/// and would read it as four hundred, so this takes the scalar's text.
fn yaml11_int(text: &str) -> i64 {
    if text.len() > 1 && text.starts_with('0') && text.bytes().all(|b| b.is_ascii_digit()) {
        i64::from_str_radix(&text[1..], 8).expect("octal")
    } else {
        text.parse()
            .unwrap_or_else(|_| panic!("{text:?} is not a YAML 1.1 integer"))
    }
}

/// The text of every scalar that follows a `key:` scalar in `yaml` (the values of that key).
fn raw_values(yaml: &str, key: &str) -> Vec<String> {
    let mut parser = Parser::new_from_str(yaml);
    let mut values = Vec::new();
    let mut after_key = false;
    loop {
        let (event, _) = parser.next_token().expect("valid YAML");
        match event {
            Event::StreamEnd => break,
            Event::Scalar(text, ..) => {
                if after_key {
                    values.push(text);
                    after_key = false;
                } else {
                    after_key = text == key;
                }
            }
            _ => after_key = false,
        }
    }
    values
}

fn scan_shards(all: &[Manifest]) -> u32 {
    let args = args(container(scan_job(all), "scan"));
    flag(&args, &["--shards"])
        .expect("scan has --shards")
        .parse()
        .expect("--shards N")
}

fn run_id_placeholder(all: &[Manifest]) -> String {
    env_value(container(scan_job(all), "scan"), "RUN_ID").expect("scan sets RUN_ID")
}

// ---- every file ----------------------------------------------------------------------------

#[test]
fn every_manifest_is_yaml_with_an_api_version_kind_and_name() {
    let all = manifests();
    assert!(
        all.len() >= 7,
        "deploy/kubernetes holds the Jobs, PVC, examples and kustomization"
    );
    for m in &all {
        assert!(
            m.doc["apiVersion"].as_str().is_some(),
            "{}: no apiVersion",
            m.file
        );
        assert!(!m.kind().is_empty(), "{}: no kind", m.file);
        if m.kind() != "Kustomization" {
            assert!(!m.name().is_empty(), "{}: no metadata.name", m.file);
        }
    }
}

// ---- the scan ------------------------------------------------------------------------------

#[test]
fn scan_job_is_indexed_with_one_completion_per_shard() {
    let all = manifests();
    let job = scan_job(&all);
    let spec = &job.doc["spec"];
    assert_eq!(job.doc["apiVersion"].as_str(), Some("batch/v1"));
    assert!(
        job.is_indexed_job(),
        "completionMode: Indexed gives each pod a stable index"
    );
    let completions = spec["completions"].as_i64().expect("completions");
    assert_eq!(
        completions,
        i64::from(scan_shards(&all)),
        "completions must equal --shards"
    );
    let parallelism = spec["parallelism"].as_i64().expect("parallelism");
    assert!(
        (1..=completions).contains(&parallelism),
        "parallelism {parallelism} > completions"
    );
    assert_eq!(
        job.pod_spec().unwrap()["restartPolicy"].as_str(),
        Some("Never")
    );
}

#[test]
fn scan_pod_takes_its_shard_from_the_completion_index_and_writes_its_own_folder() {
    let all = manifests();
    let scan = container(scan_job(&all), "scan");
    assert!(
        scan["command"].is_badvalue(),
        "no command: the image's ENTRYPOINT is image_check"
    );
    let args = args(scan);
    assert_eq!(args.first().map(String::as_str), Some("scan"));
    assert!(
        args.iter().any(|a| a == "--shards"),
        "--shards N reads K from JOB_COMPLETION_INDEX"
    );
    assert!(
        !args.iter().any(|a| a == "--shard"),
        "--shard K/N would pin every pod to one shard"
    );
    for wanted in ["-q", "--save-facts"] {
        assert!(args.iter().any(|a| a == wanted), "scan args lack {wanted}");
    }
    let output = flag(&args, &["-o", "--output"]).expect("scan -o");
    assert!(
        output.contains("$(JOB_COMPLETION_INDEX)"),
        "{output}: one folder per index"
    );
    assert!(output.contains("$(RUN_ID)"), "{output}: one folder per run");
    assert!(
        !output.contains('%'),
        "{output}: strftime fields would differ between shards"
    );
    let folders: BTreeSet<String> = (0..scan_shards(&all))
        .map(|k| output.replace("$(JOB_COMPLETION_INDEX)", &k.to_string()))
        .collect();
    assert_eq!(folders.len(), scan_shards(&all) as usize);
}

#[test]
fn every_expanded_variable_is_defined_for_its_container() {
    // Kubernetes leaves an undefined $(NAME) as it is, silently: a folder literally named
    // "$(RUN_ID)" would be the only symptom.
    for m in manifests() {
        let Some(pod) = m.pod_spec() else { continue };
        for c in all_containers(pod) {
            let mut defined = env_names(c);
            if m.is_indexed_job() {
                defined.insert("JOB_COMPLETION_INDEX".into()); // added by the Job controller
            }
            for word in command(c).iter().chain(&args(c)) {
                for name in references(word) {
                    assert!(
                        defined.contains(&name),
                        "{}: container {:?} uses $({name}) but does not define it",
                        m.file,
                        c["name"].as_str().unwrap_or("?")
                    );
                }
            }
        }
    }
}

#[test]
fn a_crashed_shard_is_retried_alone_and_a_finished_one_is_not() {
    let all = manifests();
    let spec = &scan_job(&all).doc["spec"];
    let per_index = spec["backoffLimitPerIndex"]
        .as_i64()
        .expect("backoffLimitPerIndex");
    assert!(per_index >= 1, "a crashed shard gets at least one retry");
    if let Some(global) = spec["backoffLimit"].as_i64() {
        let completions = spec["completions"].as_i64().unwrap();
        assert!(
            global >= completions * (per_index + 1),
            "backoffLimit {global} could end the Job before the per-index limits do"
        );
    }
    assert_eq!(
        spec["podReplacementPolicy"].as_str(),
        Some("Failed"),
        "no replacement while the failed pod still writes the shard's folder"
    );
    let rules = list(&spec["podFailurePolicy"]["rules"]);
    let action_for_exit = |code: i64| {
        rules
            .iter()
            .find(|r| {
                r["onExitCodes"]["operator"].as_str() == Some("In")
                    && list(&r["onExitCodes"]["values"]).contains(&Yaml::Integer(code))
            })
            .map(|r| {
                assert_eq!(r["onExitCodes"]["containerName"].as_str(), Some("scan"));
                r["action"].as_str().unwrap_or("").to_owned()
            })
    };
    assert_eq!(
        action_for_exit(1).as_deref(),
        Some("FailIndex"),
        "exit 1 is a finished shard"
    );
    assert_eq!(
        action_for_exit(2).as_deref(),
        Some("FailJob"),
        "exit 2 fails every shard alike"
    );
    assert!(
        rules.iter().any(|r| r["action"].as_str() == Some("Ignore")
            && list(&r["onPodConditions"])
                .iter()
                .any(|c| c["type"].as_str() == Some("DisruptionTarget"))),
        "evictions should not use up retries"
    );
    for job in [scan_job(&all), merge_job(&all)] {
        let spec = &job.doc["spec"];
        assert!(
            spec["activeDeadlineSeconds"].as_i64().unwrap_or(0) > 0,
            "{}: no deadline",
            job.file
        );
        assert!(
            spec["ttlSecondsAfterFinished"].as_i64().unwrap_or(0) > 0,
            "{}: no TTL",
            job.file
        );
        assert_eq!(
            job.pod_spec().unwrap()["restartPolicy"].as_str(),
            Some("Never")
        );
    }
}

#[test]
fn a_stale_lock_is_cleared_only_in_the_pods_own_output_folder() {
    let all = manifests();
    for (job, main) in [(scan_job(&all), "scan"), (merge_job(&all), "merge")] {
        let output = flag(&args(container(job, main)), &["-o", "--output"])
            .unwrap()
            .to_owned();
        let pod = job.pod_spec().unwrap();
        let inits = list(&pod["initContainers"]);
        assert_eq!(inits.len(), 1, "{}: one init container", job.file);
        let lock = format!("{output}/.image_check.lock");
        assert_eq!(
            command(&inits[0]),
            ["rm", "-f", "--", lock.as_str()],
            "{}",
            job.file
        );
    }
}

// ---- the merge -----------------------------------------------------------------------------

#[test]
fn merge_job_lists_every_shard_folder_once_in_index_order() {
    let all = manifests();
    let scan_output = flag(&args(container(scan_job(&all), "scan")), &["-o"])
        .unwrap()
        .to_owned();
    let merge = container(merge_job(&all), "merge");
    assert!(
        merge["command"].is_badvalue(),
        "no command: the image's ENTRYPOINT is image_check"
    );
    let args = args(merge);
    assert_eq!(args.first().map(String::as_str), Some("merge"));
    let folders: Vec<&String> = args[1..]
        .iter()
        .take_while(|a| !a.starts_with('-'))
        .collect();
    let expected: Vec<String> = (0..scan_shards(&all))
        .map(|k| scan_output.replace("$(JOB_COMPLETION_INDEX)", &k.to_string()))
        .collect();
    assert_eq!(
        folders,
        expected.iter().collect::<Vec<_>>(),
        "one folder per shard of the scan"
    );
    let merged = flag(&args, &["-o", "--output"]).expect("merge -o");
    assert!(
        !expected.iter().any(|f| f == merged),
        "the merged folder is not a shard's"
    );
    assert!(
        merged.contains("$(RUN_ID)"),
        "{merged}: beside the run's shards"
    );
    assert!(!merge_job(&all).is_indexed_job());
}

#[test]
fn scan_and_merge_share_one_run_id_that_makes_a_single_folder_name() {
    let all = manifests();
    let run_id = run_id_placeholder(&all);
    assert!(
        !run_id.is_empty() && !run_id.contains(['/', '%', ' ']),
        "RUN_ID {run_id:?}"
    );
    for job in [scan_job(&all), merge_job(&all)] {
        for c in all_containers(job.pod_spec().unwrap()) {
            assert_eq!(
                env_value(c, "RUN_ID").as_ref(),
                Some(&run_id),
                "{}: RUN_ID",
                job.file
            );
        }
    }
    // README.md replaces the value with sed: it must not occur anywhere else.
    let total: usize = kustomization_resources()
        .iter()
        .map(|f| read(&deploy_dir().join(f)).matches(run_id.as_str()).count())
        .sum();
    let definitions: usize = [scan_job(&all), merge_job(&all)]
        .iter()
        .map(|j| all_containers(j.pod_spec().unwrap()).len())
        .sum();
    assert_eq!(
        total, definitions,
        "{run_id:?} occurs outside the RUN_ID values"
    );
}

#[test]
fn merge_job_waits_suspended_until_the_scan_has_finished() {
    let all = manifests();
    assert_eq!(merge_job(&all).doc["spec"]["suspend"].as_bool(), Some(true));
    assert_ne!(scan_job(&all).doc["spec"]["suspend"].as_bool(), Some(true));
}

// ---- names, mounts and the inventory -------------------------------------------------------

#[test]
fn volumes_and_env_name_objects_that_the_other_manifests_define() {
    let all = manifests();
    for m in all.iter().filter(|m| m.pod_spec().is_some()) {
        let pod = m.pod_spec().unwrap();
        let volumes: BTreeSet<&str> = list(&pod["volumes"])
            .iter()
            .filter_map(|v| v["name"].as_str())
            .collect();
        for v in list(&pod["volumes"]) {
            if let Some(name) = v["configMap"]["name"].as_str() {
                let map = find(&all, "ConfigMap", name);
                for item in list(&v["configMap"]["items"]) {
                    let key = item["key"].as_str().unwrap();
                    assert!(
                        !map.doc["data"][key].is_badvalue(),
                        "ConfigMap {name} lacks {key}"
                    );
                }
            }
            if let Some(name) = v["secret"]["secretName"].as_str() {
                let secret = find(&all, "Secret", name);
                for item in list(&v["secret"]["items"]) {
                    let key = item["key"].as_str().unwrap();
                    let present = !secret.doc["stringData"][key].is_badvalue()
                        || !secret.doc["data"][key].is_badvalue();
                    assert!(present, "Secret {name} lacks {key}");
                }
            }
            if let Some(name) = v["persistentVolumeClaim"]["claimName"].as_str() {
                let pvc = find(&all, "PersistentVolumeClaim", name);
                assert!(
                    list(&pvc.doc["spec"]["accessModes"])
                        .contains(&Yaml::String("ReadWriteMany".into())),
                    "{name}: pods on several nodes write to it at once"
                );
            }
        }
        for c in all_containers(pod) {
            for mount in list(&c["volumeMounts"]) {
                let name = mount["name"].as_str().unwrap();
                assert!(
                    volumes.contains(name),
                    "{}: mount of undefined volume {name}",
                    m.file
                );
            }
            for e in list(&c["env"]) {
                let secret_ref = &e["valueFrom"]["secretKeyRef"];
                if let Some(name) = secret_ref["name"].as_str() {
                    find(&all, "Secret", name);
                }
            }
        }
    }
}

#[test]
fn ssh_key_is_mounted_read_only_and_readable_by_its_owner_alone() {
    let all = manifests();
    let job = scan_job(&all);
    let pod = job.pod_spec().unwrap();
    let volume = volume_of(pod, "secret", "secretName", "image-check-ssh-key");
    // kubectl reads YAML 1.1: 0400 is octal there.
    let modes = raw_values(&read(&deploy_dir().join(&job.file)), "defaultMode");
    assert_eq!(modes.len(), 1, "one defaultMode in {}", job.file);
    assert_eq!(yaml11_int(&modes[0]), 0o400, "defaultMode {}", modes[0]);
    let mount =
        mount_of(container(job, "scan"), volume["name"].as_str().unwrap()).expect("mounted");
    assert_eq!(mount["readOnly"].as_bool(), Some(true));
    // Secret files belong to root; fsGroup gives them to the scanner's group.
    assert_eq!(pod["securityContext"]["fsGroup"].as_i64(), Some(IMAGE_UID));
}

/// The example inventory and the paths the scan pod sees.
fn example_inventory(all: &[Manifest]) -> toml::Table {
    let text = find(all, "ConfigMap", "image-check-inventory").doc["data"]["hosts.toml"]
        .as_str()
        .expect("hosts.toml in the example ConfigMap")
        .to_owned();
    text.parse()
        .unwrap_or_else(|e| panic!("example hosts.toml: {e}"))
}

#[test]
fn example_inventory_points_at_the_mounted_key_and_known_hosts() {
    let all = manifests();
    let job = scan_job(&all);
    let pod = job.pod_spec().unwrap();
    let scan = container(job, "scan");
    let at = |volume: &Yaml, item_key: &str, source: &str| {
        let dir = mount_of(scan, volume["name"].as_str().unwrap()).expect("mounted")["mountPath"]
            .as_str()
            .unwrap()
            .to_owned();
        let item = list(&volume[source]["items"])
            .iter()
            .find(|i| i["key"].as_str() == Some(item_key))
            .unwrap_or_else(|| panic!("{item_key} is not projected"));
        format!("{dir}/{}", item["path"].as_str().unwrap())
    };
    let config = volume_of(pod, "configMap", "name", "image-check-inventory");
    let key = volume_of(pod, "secret", "secretName", "image-check-ssh-key");
    let inventory = example_inventory(&all);
    let defaults = inventory["defaults"].as_table().expect("[defaults]");
    assert_eq!(
        defaults["identity_file"].as_str(),
        Some(at(key, "id_ed25519", "secret").as_str())
    );
    assert_eq!(
        defaults["known_hosts"].as_str(),
        Some(at(config, "known_hosts", "configMap").as_str())
    );
    assert_eq!(
        defaults.get("host_key_check").and_then(|v| v.as_str()),
        Some("strict"),
        "known_hosts is a read-only ConfigMap: accept-new could not write it"
    );
    assert_eq!(
        flag(&args(scan), &["-i"]),
        Some(at(config, "hosts.toml", "configMap").as_str())
    );
    assert_eq!(
        flag(&args(container(merge_job(&all), "merge")), &["-i"]),
        flag(&args(scan), &["-i"])
    );
}

#[test]
fn example_inventory_has_a_group_per_segment_and_resolves() {
    let all = manifests();
    let inventory = example_inventory(&all);
    let groups = inventory["groups"].as_table().expect("[groups.X] tables");
    assert!(
        groups.len() >= 2,
        "one group per network segment, for --shard-by group"
    );
    for host in inventory["hosts"].as_array().expect("[[hosts]]") {
        let first = host["groups"]
            .as_array()
            .and_then(|g| g.first())
            .and_then(|g| g.as_str());
        assert!(
            first.is_some_and(|g| groups.contains_key(g)),
            "{host:?}: its segment's group first"
        );
    }
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("deploy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("hosts.toml");
    let text = find(&all, "ConfigMap", "image-check-inventory").doc["data"]["hosts.toml"]
        .as_str()
        .unwrap();
    std::fs::write(&file, text).unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_image_check"))
        .args(["inventory", "-i"])
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    for group in groups.keys() {
        assert!(
            stdout.contains(group.as_str()),
            "no host of {group} in:\n{stdout}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- security and resources ----------------------------------------------------------------

#[test]
fn pods_run_as_non_root_with_a_read_only_root_and_no_capabilities() {
    for m in manifests() {
        let Some(pod) = m.pod_spec() else { continue };
        let pod_ctx = &pod["securityContext"];
        assert_eq!(
            pod["automountServiceAccountToken"].as_bool(),
            Some(false),
            "{}",
            m.file
        );
        assert_eq!(
            pod_ctx["seccompProfile"]["type"].as_str(),
            Some("RuntimeDefault"),
            "{}",
            m.file
        );
        for c in all_containers(pod) {
            let ctx = &c["securityContext"];
            let name = format!("{}: {}", m.file, c["name"].as_str().unwrap_or("?"));
            let non_root = ctx["runAsNonRoot"]
                .as_bool()
                .or(pod_ctx["runAsNonRoot"].as_bool());
            assert_eq!(non_root, Some(true), "{name}: runAsNonRoot");
            let uid = ctx["runAsUser"].as_i64().or(pod_ctx["runAsUser"].as_i64());
            assert_eq!(uid, Some(IMAGE_UID), "{name}: the image's user");
            assert_eq!(
                ctx["readOnlyRootFilesystem"].as_bool(),
                Some(true),
                "{name}"
            );
            assert_eq!(
                ctx["allowPrivilegeEscalation"].as_bool(),
                Some(false),
                "{name}"
            );
            assert_ne!(ctx["privileged"].as_bool(), Some(true), "{name}");
            let drop = list(&ctx["capabilities"]["drop"]);
            assert!(
                drop.contains(&Yaml::String("ALL".into())),
                "{name}: drop ALL capabilities"
            );
            assert!(
                list(&ctx["capabilities"]["add"]).is_empty(),
                "{name}: adds capabilities"
            );
        }
    }
}

#[test]
fn every_container_has_requests_and_limits() {
    for m in manifests() {
        let Some(pod) = m.pod_spec() else { continue };
        for c in all_containers(pod) {
            let (requests, limits) = (&c["resources"]["requests"], &c["resources"]["limits"]);
            let name = format!("{}: {}", m.file, c["name"].as_str().unwrap_or("?"));
            assert!(
                millicores(&requests["cpu"]) <= millicores(&limits["cpu"]),
                "{name}: cpu"
            );
            assert!(
                bytes(&requests["memory"]) <= bytes(&limits["memory"]),
                "{name}: memory"
            );
        }
    }
}

#[test]
fn scan_resources_cover_the_measured_memory_per_host_in_flight() {
    let all = manifests();
    let scan = container(scan_job(&all), "scan");
    let concurrency = flag(&args(scan), &["-c", "--concurrency"])
        .map(|c| c.parse().expect("-c N"))
        .unwrap_or(DEFAULT_CONCURRENCY);
    let expected = BASE_RSS + concurrency * RSS_PER_HOST_IN_FLIGHT;
    let request = bytes(&scan["resources"]["requests"]["memory"]);
    let limit = bytes(&scan["resources"]["limits"]["memory"]);
    assert!(
        request >= expected,
        "memory request {request} < {expected} for -c {concurrency}"
    );
    assert!(
        limit >= 2 * expected,
        "memory limit {limit}: less than 2x the {expected} expected"
    );
    assert!(
        limit <= 1024 * MIB,
        "memory limit {limit}: far above what -c {concurrency} uses"
    );
    let cpu = millicores(&scan["resources"]["limits"]["cpu"]);
    assert!(
        (500..=1000).contains(&cpu),
        "cpu limit {cpu}m: 1 vCPU is plenty"
    );
}

// ---- kustomization -------------------------------------------------------------------------

fn kustomization() -> Yaml {
    let text = read(&deploy_dir().join("kustomization.yaml"));
    YamlLoader::load_from_str(&text).unwrap().remove(0)
}

fn kustomization_resources() -> Vec<String> {
    list(&kustomization()["resources"])
        .iter()
        .map(|r| r.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn kustomization_lists_existing_manifests_and_never_the_placeholders() {
    assert_eq!(kustomization()["kind"].as_str(), Some("Kustomization"));
    let resources = kustomization_resources();
    for file in &resources {
        let path = deploy_dir().join(file);
        assert!(
            path.is_file(),
            "kustomization.yaml lists {file}, which does not exist"
        );
        YamlLoader::load_from_str(&read(&path)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(
            !file.contains("example"),
            "{file}: applying it would overwrite the real object"
        );
    }
    let all = manifests();
    for (kind, name) in [
        ("Job", "image-check-scan"),
        ("Job", "image-check-merge"),
        ("PersistentVolumeClaim", "image-check-results"),
    ] {
        let file = &find(&all, kind, name).file;
        assert!(
            resources.contains(file),
            "kustomization.yaml does not list {file}"
        );
    }
}

#[test]
fn every_container_runs_the_image_that_kustomization_rewrites() {
    let image = kustomization()["images"][0]["name"]
        .as_str()
        .expect("images[0].name")
        .to_owned();
    for m in manifests() {
        let Some(pod) = m.pod_spec() else { continue };
        for c in all_containers(pod) {
            let used = c["image"].as_str().expect("image");
            assert_eq!(
                used.split(':').next(),
                Some(image.as_str()),
                "{}: {used}",
                m.file
            );
        }
    }
}

// ---- the image -----------------------------------------------------------------------------

/// The Dockerfile's instructions, continuation lines joined, comments dropped: (INSTRUCTION, rest).
fn dockerfile() -> Vec<(String, String)> {
    let text = read(&repo().join("Dockerfile"));
    let mut instructions = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_empty()) {
            continue;
        }
        current.push_str(trimmed.trim_end_matches('\\'));
        current.push(' ');
        if !trimmed.ends_with('\\') {
            let (word, rest) = current
                .trim()
                .split_once(' ')
                .unwrap_or((current.trim(), ""));
            instructions.push((word.to_uppercase(), rest.trim().to_owned()));
            current.clear();
        }
    }
    instructions
}

#[test]
fn dockerfile_builds_in_one_stage_and_runs_the_binary_unprivileged_in_another() {
    let instructions = dockerfile();
    let stages: Vec<&String> = instructions
        .iter()
        .filter(|(i, _)| i == "FROM")
        .map(|(_, rest)| rest)
        .collect();
    assert_eq!(
        stages.len(),
        2,
        "a build stage and a runtime stage: {stages:?}"
    );
    assert!(
        stages[0].starts_with("rust:") && stages[0].contains("bookworm"),
        "{}",
        stages[0]
    );
    let build_name = stages[0].split_whitespace().last().unwrap();
    assert!(
        stages[1].starts_with("debian:bookworm-slim"),
        "{}",
        stages[1]
    );
    let runs: Vec<&String> = instructions
        .iter()
        .filter(|(i, _)| i == "RUN")
        .map(|(_, r)| r)
        .collect();
    assert!(runs
        .iter()
        .any(|r| r.contains("cargo build --release --locked")));
    let install = runs
        .iter()
        .find(|r| r.contains("apt-get install"))
        .expect("apt-get install");
    let packages: BTreeSet<&str> = install
        .split("apt-get install")
        .nth(1)
        .unwrap()
        .split("&&")
        .next()
        .unwrap()
        .split_whitespace()
        .filter(|w| !w.starts_with('-'))
        .collect();
    assert_eq!(
        packages,
        BTreeSet::from(["ca-certificates", "openssh-client"])
    );
    assert!(install.contains("--no-install-recommends"));
    assert!(
        instructions.iter().any(|(i, r)| i == "COPY"
            && r.starts_with(&format!("--from={build_name} "))
            && r.ends_with(" /usr/local/bin/image_check")),
        "the binary comes from the build stage to /usr/local/bin/image_check"
    );
    let runtime_start = instructions.iter().rposition(|(i, _)| i == "FROM").unwrap();
    let user = instructions[runtime_start..]
        .iter()
        .rev()
        .find(|(i, _)| i == "USER")
        .map(|(_, r)| r);
    assert_eq!(
        user.map(|u| u.split(':').next().unwrap()),
        Some(IMAGE_UID.to_string().as_str()),
        "a numeric non-root USER, the manifests' runAsUser"
    );
    let entrypoint = instructions
        .iter()
        .rev()
        .find(|(i, _)| i == "ENTRYPOINT")
        .map(|(_, r)| r);
    assert_eq!(
        entrypoint.map(String::as_str),
        Some(r#"["image_check"]"#),
        "exec form, no shell"
    );
}

#[test]
fn dockerignore_admits_only_what_the_build_copies() {
    let rules: Vec<String> = read(&repo().join(".dockerignore"))
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        rules.first().map(String::as_str),
        Some("*"),
        "everything out first"
    );
    let admitted: BTreeSet<String> = rules[1..]
        .iter()
        .map(|r| {
            r.strip_prefix('!')
                .unwrap_or_else(|| panic!("{r}: only exceptions follow *"))
        })
        .map(|r| r.trim_end_matches('/').to_owned())
        .collect();
    let copied: BTreeSet<String> = dockerfile()
        .into_iter()
        .filter(|(i, rest)| i == "COPY" && !rest.starts_with("--from"))
        .flat_map(|(_, rest)| {
            let words: Vec<String> = rest.split_whitespace().map(str::to_owned).collect();
            words[..words.len() - 1].to_vec()
        })
        .map(|w| w.trim_end_matches('/').to_owned())
        .collect();
    assert_eq!(
        admitted, copied,
        "the context should hold exactly what COPY uses"
    );
    for secret_or_bulk in ["target", ".git", "tests", "fuzz", "examples"] {
        assert!(
            !admitted.contains(secret_or_bulk),
            "{secret_or_bulk} is in the build context"
        );
    }
}
