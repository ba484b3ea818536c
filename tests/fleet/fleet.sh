#!/usr/bin/env bash
# A fleet of real OpenSSH hosts on loopback for tests, the demo and the benchmark.
#
#   fleet.sh up RUNDIR NET SPEC...   start hosts; RUNDIR must not exist yet, NET is the middle
#                                    of 127.NET.x.y (1-254), each SPEC is NAME=FIXTURE[@VARIANT]
#   fleet.sh down RUNDIR             stop every sshd of that run and delete RUNDIR
#   fleet.sh lay FIXTURE DIR         copy the root file system FIXTURE shows into DIR
#
# A fixture is a folder of tests/fleet/hosts/: the root file system the host shows. Each host
# gets its own 127.NET.x.y address on port 2222; plain hosts share sshd processes (16
# addresses each, one ChrootDirectory per address through `Match LocalAddress`). Variants get
# an sshd of their own:
#   @legacy        only diffie-hellman-group14-sha1, hmac-sha1, aes128-ctr and an ssh-rsa key
#   @unknown-key   a host key that known_hosts does not list
#   @changed-key   a host key other than the one known_hosts lists for it
#   @refused       nothing listens there (FIXTURE is ignored)
#   @drop-after-auth  authentication succeeds, then the first session kills its sshd: the
#                  connection drops
#   @no-sessions   authentication succeeds, every session fails (sshd refuses the chroot)
#   @sftp-hangs    its SFTP server answers the version and then nothing (a session stuck
#                  behind a hung NFS path): every read must fall back to exec
#   @become        a plain host whose inventory entry says `become = true`
#   @host-root     a plain host whose sshd does not chroot: it serves this machine's own file
#                  system (its python3, its root login shell); FIXTURE is ignored. These hosts
#                  share sshd processes of their own, 16 addresses each. Sessions get SHLVL=1,
#                  so root's bash skips ~/.bashrc, which bash otherwise runs for every command
#                  sshd starts (a developer's rc file, e.g. `pyenv init`, would cost each one)
#   @netns:NS:ADDR an sshd of its own inside network namespace NS, listening on ADDR (the
#                  namespace and its addresses are the caller's; see tests/bastion.rs)
#   @log           a plain host with an sshd of its own at LogLevel DEBUG1, its log in
#                  RUNDIR/sshd-NAME.conf.log: a line for each connection, exec request and SFTP
#                  session, to count what a client asks of one host (bench/fleet-bench.sh)
#   @host-root+log the same for a @host-root host
# FIXTURE is a folder name under tests/fleet/hosts, or an absolute path to a fixture folder.
# A fixture named in tests/fleet/bases.txt is its base's files with its own laid over them.
# RUNDIR receives: id_ed25519 (client key), known_hosts, inventory.toml, hosts.tsv.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
port=2222

die() { echo "fleet.sh: $*" >&2; exit 1; }

# Every parent of a ChrootDirectory must be root-owned and not group/world writable.
check_rundir() {
  case "$1" in
    /srv/*) ;;
    *) die "RUNDIR must be under /srv (sshd refuses chroots below world-writable folders such as /tmp)" ;;
  esac
}

# The host path of PATH as the chroot ROOT sees it: symlinks inside the fixture are followed
# within ROOT, so an absolute link (lib64 -> /usr/lib64) never leads out to this machine's files.
in_root() { # root path
  local root=$1 rest=${2#/} cur="" hops=0 part target
  while [ -n "$rest" ]; do
    part=${rest%%/*}
    if [ "$rest" = "$part" ]; then rest=""; else rest=${rest#*/}; fi
    if [ -L "$root$cur/$part" ]; then
      hops=$((hops + 1)); [ "$hops" -le 40 ] || die "symlink loop under $root$cur/$part"
      target=$(readlink "$root$cur/$part")
      case "$target" in /*) ;; *) target="$cur/$target" ;; esac
      rest="${target#/}${rest:+/$rest}"; cur=""
    elif [ -n "$part" ] && [ "$part" != . ]; then
      cur="$cur/$part"
    fi
  done
  echo "$root$cur"
}

copy_with_libs() { # root program path-in-root: also the shared libraries it needs (none when static)
  local root=$1 dest
  dest=$(in_root "$root" "$3")
  mkdir -p "$(dirname "$dest")"
  cp "$2" "$dest"
  for lib in $(ldd "$2" 2>/dev/null | grep -o '/[^ ]*'); do
    dest=$(in_root "$root" "$lib")
    mkdir -p "$(dirname "$dest")"
    cp -L "$lib" "$dest"
  done
}

lay_fixture() { # fixture source root: the fixture's files into root, its base's first (bases.txt)
  local fixture=$1 source=$2 root=$3 base= paths= path
  read -r base paths < <(awk -v host="$fixture" '$1 == host { $1 = ""; print }' "$here/bases.txt") || true
  if [ -n "${base:-}" ]; then
    lay_fixture "$base" "$here/hosts/$base" "$root"
    for path in ${paths:-}; do rm -rf "${root:?}/$path"; done
  fi
  cp -a --remove-destination "$source/." "$root/"
}

build_root() { # fixture -> path of its chroot, built once per run
  local fixture=$1 source="$here/hosts/$1" root
  case "$fixture" in /*) source=$fixture ;; esac
  root="$rundir/roots/$(echo "$fixture" | tr '/' '_')"
  [ -d "$root" ] && { echo "$root"; return; }
  [ -d "$source" ] || die "no fixture $fixture (looked in $source)"
  mkdir -p "$root"
  lay_fixture "$fixture" "$source" "$root"
  mkdir -p "$root/dev" "$root/tmp"
  copy_with_libs "$root" /bin/busybox /bin/busybox
  local bin; bin=$(in_root "$root" /bin)
  # Only the applets scripts need; fixture tools (uname, lsblk, ...) are scripts of their own,
  # and busybox's versions would print this machine's values instead.
  for applet in sh cat echo printf sleep head tail dd true false test env ls yes stat readlink; do
    [ -e "$bin/$applet" ] || [ -L "$bin/$applet" ] || ln -s busybox "$bin/$applet"
  done
  # sshd runs commands as `<login shell> -c CMD`; root's shell is /bin/bash: make it dash.
  copy_with_libs "$root" /bin/dash /bin/bash
  [ -e "$root/dev/null" ] || mknod -m 666 "$root/dev/null" c 1 3
  chmod 755 "$root"
  chown -R root:root "$root"
  echo "$root"
}

common_config() { # hostkey pidfile [more NAME=VALUE for the sessions' environment]
  cat <<CFG
HostKey $1
PidFile $2
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AuthorizedKeysFile $rundir/authorized_keys
Subsystem sftp internal-sftp
SetEnv PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${3:+ $3}
MaxStartups 1000:30:2000
MaxSessions 20
LogLevel ERROR
CFG
}

start_sshd() { # config [netns]
  local prefix=()
  [ -n "${2:-}" ] && prefix=(ip netns exec "$2")
  "${prefix[@]}" /usr/sbin/sshd -f "$1" -E "$1.log" || { cat "$1.log" >&2; die "sshd would not start with $1"; }
}

wait_listening() { # ip
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/$1/$port") 2>/dev/null && return 0
    sleep 0.05
  done
  die "nothing listens on $1:$port"
}

up() {
  rundir=$1 net=$2; shift 2
  check_rundir "$rundir"
  [ -e "$rundir" ] && die "$rundir exists: run 'fleet.sh down $rundir' first"
  [[ "$net" =~ ^[0-9]+$ ]] && [ "$net" -ge 1 ] && [ "$net" -le 254 ] || die "NET must be 1-254"
  mkdir -p /run/sshd "$rundir/roots"
  chmod 755 /srv "$rundir"
  ssh-keygen -q -t ed25519 -N '' -C image-check-test-client -f "$rundir/id_ed25519"
  ssh-keygen -q -t ed25519 -N '' -C fleet-host -f "$rundir/host_ed25519"
  ssh-keygen -q -t ed25519 -N '' -C other-host -f "$rundir/other_ed25519"
  ssh-keygen -q -t rsa -b 2048 -N '' -C legacy-host -f "$rundir/host_rsa"
  cp "$rundir/id_ed25519.pub" "$rundir/authorized_keys"
  : >"$rundir/known_hosts"
  : >"$rundir/hosts.tsv"
  cat >"$rundir/inventory.toml" <<INV
# Written by tests/fleet/fleet.sh for a test fleet.
[defaults]
user = "root"
port = $port
identity_file = "$rundir/id_ed25519"
known_hosts = "$rundir/known_hosts"
connect_timeout = 5
INV
  local index=0 shared=0 group_config="" hostroot=0 hostroot_config="" ips=()
  for spec in "$@"; do
    local name=${spec%%=*} rest=${spec#*=} fixture variant="" logged=0
    fixture=${rest%%@*}
    [ "$rest" != "$fixture" ] && variant=${rest#*@}
    index=$((index + 1))
    local ip="127.$net.$((index / 250)).$((index % 250 + 1))" netns=""
    case "$variant" in netns:*:*)
      netns=${variant#netns:}; ip=${netns#*:}; netns=${netns%%:*}; variant=netns ;;
    esac
    printf '%s\t%s\t%s\t%s\n' "$name" "$ip" "$fixture" "$variant" >>"$rundir/hosts.tsv"
    case "$variant" in
      log|host-root+log) logged=1; variant=${variant%log}; variant=${variant%+} ;;
    esac
    printf '\n[[hosts]]\nname = "%s"\naddress = "%s"\n' "$name" "$ip" >>"$rundir/inventory.toml"
    [ "$variant" = refused ] && continue
    local root=""
    [ "$variant" = host-root ] || root=$(build_root "$fixture")
    [ "$variant" = become ] && echo 'become = true' >>"$rundir/inventory.toml"
    if [ "$logged" = 1 ]; then
      echo "[$ip]:$port $(cut -d' ' -f1,2 "$rundir/host_ed25519.pub")" >>"$rundir/known_hosts"
      local conf="$rundir/sshd-$name.conf"
      {
        if [ "$variant" = host-root ]; then
          common_config "$rundir/host_ed25519" "$conf.pid" SHLVL=1
        else
          common_config "$rundir/host_ed25519" "$conf.pid"
          echo "ChrootDirectory $root"
        fi
        echo "ListenAddress $ip:$port"
      } | sed 's/^LogLevel .*/LogLevel DEBUG1/' >"$conf"
      start_sshd "$conf"
      ips+=("$ip")
      continue
    fi
    case "$variant" in
      ""|become)
        echo "[$ip]:$port $(cut -d' ' -f1,2 "$rundir/host_ed25519.pub")" >>"$rundir/known_hosts"
        if [ $((shared % 16)) -eq 0 ]; then
          group_config="$rundir/sshd-shared-$((shared / 16)).conf"
          common_config "$rundir/host_ed25519" "$group_config.pid" >"$group_config.listen"
          : >"$group_config.match"
        fi
        echo "ListenAddress $ip:$port" >>"$group_config.listen"
        printf 'Match LocalAddress %s\n  ChrootDirectory %s\n' "$ip" "$root" >>"$group_config.match"
        shared=$((shared + 1))
        ips+=("$ip")
        ;;
      host-root)
        echo "[$ip]:$port $(cut -d' ' -f1,2 "$rundir/host_ed25519.pub")" >>"$rundir/known_hosts"
        if [ $((hostroot % 16)) -eq 0 ]; then
          hostroot_config="$rundir/sshd-hostroot-$((hostroot / 16)).conf"
          common_config "$rundir/host_ed25519" "$hostroot_config.pid" SHLVL=1 \
            >"$hostroot_config.listen"
          : >"$hostroot_config.match" # no ChrootDirectory: sessions see this machine's /
        fi
        echo "ListenAddress $ip:$port" >>"$hostroot_config.listen"
        hostroot=$((hostroot + 1))
        ips+=("$ip")
        ;;
      legacy|unknown-key|changed-key|drop-after-auth|no-sessions|netns|sftp-hangs)
        local conf="$rundir/sshd-$name.conf" key="$rundir/other_ed25519" chroot=$root
        [ "$variant" = legacy ] && key="$rundir/host_rsa"
        case "$variant" in drop-after-auth|no-sessions|netns|sftp-hangs)
          key="$rundir/host_ed25519"
          echo "[$ip]:$port $(cut -d' ' -f1,2 "$rundir/host_ed25519.pub")" >>"$rundir/known_hosts" ;;
        esac
        if [ "$variant" = no-sessions ]; then
          # sshd refuses a chroot it does not own exclusively, after authentication.
          chroot="$rundir/unsafe-chroot"; mkdir -p "$chroot"; chmod 777 "$chroot"
        fi
        if [ "$variant" = sftp-hangs ]; then
          # SSH_FXP_VERSION 3, then silence; runs inside the chroot.
          printf '#!/bin/sh\nprintf "\\000\\000\\000\\005\\002\\000\\000\\000\\003"\nexec sleep 1000\n' >"$root/hung-sftp"
          chmod 755 "$root/hung-sftp"
        fi
        {
          if [ "$variant" = sftp-hangs ]; then
            common_config "$key" "$conf.pid" | sed 's|^Subsystem sftp .*|Subsystem sftp /hung-sftp|'
          else
            common_config "$key" "$conf.pid"
          fi
          echo "ListenAddress $ip:$port"
          echo "ChrootDirectory $chroot"
          # The session's parent is the sshd process that holds the connection.
          [ "$variant" = drop-after-auth ] && echo 'ForceCommand kill -9 $PPID'
          if [ "$variant" = legacy ]; then
            echo "KexAlgorithms diffie-hellman-group14-sha1"
            echo "MACs hmac-sha1"
            echo "Ciphers aes128-ctr"
            echo "HostKeyAlgorithms ssh-rsa"
          fi
        } >"$conf"
        case "$variant" in
          legacy)
            echo "[$ip]:$port $(cut -d' ' -f1,2 "$rundir/host_rsa.pub")" >>"$rundir/known_hosts"
            echo 'legacy_algorithms = true' >>"$rundir/inventory.toml" ;;
          changed-key)
            echo "[$ip]:$port $(cut -d' ' -f1,2 "$rundir/host_ed25519.pub")" >>"$rundir/known_hosts" ;;
        esac
        start_sshd "$conf" "$netns"
        # An address inside a namespace is not reachable from here to be waited for.
        [ -n "$netns" ] || ips+=("$ip")
        ;;
      *) die "unknown variant @$variant in $spec" ;;
    esac
  done
  for listen in "$rundir"/sshd-shared-*.conf.listen "$rundir"/sshd-hostroot-*.conf.listen; do
    [ -e "$listen" ] || continue
    local conf=${listen%.listen}
    cat "$listen" "$conf.match" >"$conf"
    start_sshd "$conf"
  done
  for ip in "${ips[@]}"; do wait_listening "$ip"; done
}

down() {
  rundir=$1
  check_rundir "$rundir"
  [ -d "$rundir" ] || return 0
  for pidfile in "$rundir"/*.pid; do
    [ -e "$pidfile" ] || continue
    kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  rm -rf "$rundir"
}

case "${1:-}" in
  up) shift; [ $# -ge 3 ] || die "usage: fleet.sh up RUNDIR NET NAME=FIXTURE[@VARIANT]..."; up "$@" ;;
  down) shift; [ $# -eq 1 ] || die "usage: fleet.sh down RUNDIR"; down "$1" ;;
  lay) shift; [ $# -eq 2 ] || die "usage: fleet.sh lay FIXTURE DIR"
    [ -d "$here/hosts/$1" ] || die "no fixture $1 (looked in $here/hosts/$1)"
    mkdir -p "$2"; lay_fixture "$1" "$here/hosts/$1" "$2" ;;
  *) die "usage: fleet.sh up RUNDIR NET SPEC... | fleet.sh down RUNDIR | fleet.sh lay FIXTURE DIR" ;;
esac
