#!/bin/sh
# Regenerates tests/data/ansible/list/*.json: what `ansible-inventory -i X --list` prints for
# each static inventory in tests/data/ansible that ansible-core accepts, and for
# tests/data/ansible/list/vars_dirs (group_vars/ and host_vars/).
# Captured with ansible-core 2.19.14 (pip install ansible-core==2.19.14); set ANSIBLE_INVENTORY_BIN
# to use another ansible-inventory. An inventory ansible-core refuses gets no capture (its error
# is printed), so the differential test skips it.
set -eu
cd "$(dirname "$0")/../tests/data/ansible"
bin=${ANSIBLE_INVENTORY_BIN:-ansible-inventory}
"$bin" --version | head -n 1 >&2 || true
export ANSIBLE_INVENTORY_UNPARSED_WARNING=False ANSIBLE_LOCALHOST_WARNING=False ANSIBLE_NOCOLOR=1
mkdir -p list
for inv in *.ini *.yml list/vars_dirs/hosts.ini; do
    case $inv in
        list/vars_dirs/*) out=list/vars_dirs.json ;;
        *) out=list/$(echo "$inv" | tr . _).json ;;
    esac
    # Only the ini or yaml plugin, as the static reader: no plugin tries the file as a script.
    if ANSIBLE_INVENTORY_ENABLED=ini,yaml ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED=True \
        "$bin" -i "$inv" --list >"$out.tmp" 2>"$out.err"; then
        mv "$out.tmp" "$out"
    else
        echo "ansible-inventory refuses $inv:" >&2
        cat "$out.err" >&2
        rm -f "$out.tmp" "$out"
    fi
    rm -f "$out.err"
done
