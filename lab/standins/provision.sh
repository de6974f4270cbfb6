#!/bin/sh
# Provision one lab host (run as root inside the host's namespaces):
#   provision.sh server|client DIST_DIR
# Installs the systemctl and nomad stand-ins into /usr/local/bin, writes a base Nomad config
# (/etc/nomad.d/nomad.hcl, only when absent so later playbook changes survive a re-run) and
# /etc/systemd/system/nomad.service, then does what `systemctl enable --now nomad` does (wants
# symlink, call log lines, detached start with a PID file in the stand-in's format) without a
# Node process per step: one Nomad stand-in start per host. Idempotent.
# LAB_ROOT (optional) prefixes every path, for tests; LAB_NOMAD_HTTP_PORT / LAB_NOMAD_RPC_PORT /
# LAB_NOMAD_BIND override the agent's ports and bind address (defaults: Nomad's 4646/4647, 0.0.0.0).
# LAB_NOMAD_SERVERS (comma-separated addresses): servers retry_join each other with
# bootstrap_expect = their number; clients get them as client.servers (RPC port 4647).
set -eu

usage() { echo "usage: provision.sh server|client DIST_DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
ROLE=$1
DIST=$(cd "$2" 2>/dev/null && pwd) || { echo "provision.sh: DIST_DIR $2 does not exist" >&2; exit 2; }
case "$ROLE" in server|client) ;; *) echo "provision.sh: ROLE must be server or client, got '$ROLE'" >&2; exit 2 ;; esac
for f in systemctl nomad; do
  [ -f "$DIST/lab/standins/$f.js" ] || { echo "provision.sh: $DIST/lab/standins/$f.js missing (run npm run build)" >&2; exit 1; }
done
NODE=$(command -v node) || { echo "provision.sh: node not found in PATH" >&2; exit 1; }
R=${LAB_ROOT:-}

# write_file DEST MODE < content: replaces DEST atomically, only when the content differs
write_file() {
  dest=$1; mode=$2
  mkdir -p "$(dirname "$dest")"
  tmp=$(mktemp "$(dirname "$dest")/.provision.XXXXXX")
  cat > "$tmp"
  chmod "$mode" "$tmp"
  if [ -f "$dest" ] && cmp -s "$tmp" "$dest"; then rm -f "$tmp"; else mv -f "$tmp" "$dest"; echo "provision: wrote $dest"; fi
}

# The Nomad agent stand-in runs on every host (200 at once in big labs): small V8 heaps keep
# each near 30 MiB resident instead of about 45 (LAB_NOMAD_NODE_FLAGS overrides).
NOMAD_FLAGS=${LAB_NOMAD_NODE_FLAGS---max-old-space-size=32 --max-semi-space-size=1}
for f in systemctl nomad; do
  flags=; [ "$f" = nomad ] && flags=" $NOMAD_FLAGS"
  write_file "$R/usr/local/bin/$f" 0755 <<WRAPPER
#!/bin/sh
# lab stand-in for $f
exec '$NODE'$flags '$DIST/lab/standins/$f.js' "\$@"
WRAPPER
done

# The systemctl stand-in is this host's systemd: say so as systemd does at boot (sd_booted(3)
# tests /run/systemd/system), so tools that ask (Ansible's and orchestrate's `service`) use systemctl,
# and put it where systemd installs systemctl too (the host's /usr is its own copy): tools that look
# in /usr/bin first (Ansible's service module, dpkg maintainer scripts) find it there.
mkdir -p "$R/run/systemd/system"
# Only where /usr is the host's own (an overlay, or a test's LAB_ROOT): never the machine's.
if [ -d "$R/usr/bin" ] && { [ -n "$R" ] || awk '$2 == "/usr" && $3 == "overlay" { f = 1 } END { exit !f }' /proc/self/mounts; }; then
  write_file "$R/usr/bin/systemctl" 0755 < "$R/usr/local/bin/systemctl"
fi
# The host's sshd (started by the lab, PID in /run/sshd.pid) is its ssh.service, as on a Debian
# host: recorded in the stand-in's format (PID, start time from /proc/PID/stat, since).
if [ -f "$R/lib/systemd/system/ssh.service" ] && [ -s "$R/run/sshd.pid" ] && [ ! -f "$R/run/lab-systemd/ssh.service.pid" ]; then
  pid=$(cat "$R/run/sshd.pid")
  if [ -r "/proc/$pid/stat" ]; then
    start=$(sed 's/.*) //' "/proc/$pid/stat" | cut -d' ' -f20)
    mkdir -p "$R/run/lab-systemd"
    printf '%s\n%s\n%s\n' "$pid" "$start" "$(date -u +%Y-%m-%dT%H:%M:%S.000Z)" > "$R/run/lab-systemd/ssh.service.pid"
  fi
fi
mkdir -p "$R/opt/nomad/data" "$R/etc/nomad.d"
chmod 0700 "$R/opt/nomad/data"

if [ ! -f "$R/etc/nomad.d/nomad.hcl" ]; then
  {
    echo "# Nomad agent configuration ($ROLE), written by the lab provisioner."
    echo "# Files in /etc/nomad.d are loaded in lexical order and merged."
    echo ""
    echo "data_dir  = \"/opt/nomad/data\""
    echo "bind_addr = \"${LAB_NOMAD_BIND:-0.0.0.0}\""
    echo "datacenter = \"dc1\""
    if [ -n "${LAB_NOMAD_HTTP_PORT:-}${LAB_NOMAD_RPC_PORT:-}" ]; then
      echo ""
      echo "ports {"
      echo "  http = ${LAB_NOMAD_HTTP_PORT:-4646}"
      echo "  rpc  = ${LAB_NOMAD_RPC_PORT:-4647}"
      echo "}"
    fi
    echo ""
    SERVERS=$(printf '%s' "${LAB_NOMAD_SERVERS:-}" | tr ',' ' ')
    N=$(echo $SERVERS | wc -w)
    if [ "$ROLE" = server ]; then
      echo "server {"
      echo "  enabled = true"
      echo ""
      echo "  # Self-elect, should be 3 or 5 for production"
      echo "  bootstrap_expect = $([ "$N" -gt 0 ] && echo "$N" || echo 1)"
      if [ "$N" -gt 1 ]; then
        echo ""
        echo "  server_join {"
        echo "    retry_join = [$(for a in $SERVERS; do printf '"%s", ' "$a"; done | sed 's/, $//')]"
        echo "  }"
      fi
      echo "}"
    else
      echo "client {"
      echo "  enabled = true"
      [ "$N" -eq 0 ] || echo "  servers = [$(for a in $SERVERS; do printf '"%s:4647", ' "$a"; done | sed 's/, $//')]"
      echo "}"
    fi
  } | sed "s|\"/opt/nomad/data\"|\"$R/opt/nomad/data\"|" | write_file "$R/etc/nomad.d/nomad.hcl" 0644
fi

write_file "$R/etc/systemd/system/nomad.service" 0644 <<UNIT
[Unit]
Description=Nomad
Documentation=https://www.nomadproject.io/docs/
Wants=network-online.target
After=network-online.target

[Service]
ExecReload=/bin/kill -HUP \$MAINPID
ExecStart=$R/usr/local/bin/nomad agent -config $R/etc/nomad.d
KillMode=process
KillSignal=SIGINT
LimitNOFILE=65536
Restart=on-failure
RestartSec=2

[Install]
WantedBy=multi-user.target
UNIT

# --- systemctl daemon-reload; systemctl enable --now nomad (same files as the stand-in writes) ---
UNIT=nomad.service
RUN="$R/run/lab-systemd"
LOG="$R/var/log"
mkdir -p "$RUN" "$LOG" "$R/etc/systemd/system/multi-user.target.wants"
now() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }
{ echo "$(now) daemon-reload"; echo "$(now) enable $UNIT"; } >> "$LOG/lab-systemctl.log"
ln -sfn "$R/etc/systemd/system/$UNIT" "$R/etc/systemd/system/multi-user.target.wants/$UNIT"

# proc_start PID: field 22 of /proc/PID/stat (start time), empty when gone or a zombie
proc_start() {
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  set -- ${stat##*) }
  case $1 in Z|X) return 0 ;; esac
  shift 19
  echo "$1"
}

running() {
  [ -f "$RUN/$UNIT.pid" ] || return 1
  { read -r pid; read -r start; } < "$RUN/$UNIT.pid"
  [ -n "$start" ] && [ "$(proc_start "$pid")" = "$start" ]
}

if ! running; then
  echo "$(now) start $UNIT" >> "$LOG/lab-systemctl.log"
  # the unit's environment: a clean one plus the LAB_* settings, as the stand-in gives it
  set -- PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
  for v in $(env | sed -n 's/^\(LAB_[A-Za-z0-9_]*\)=.*/\1/p'); do eval "set -- \"\$@\" \"$v=\${$v}\""; done
  (cd / && exec env -i "$@" setsid "$R/usr/local/bin/nomad" agent -config "$R/etc/nomad.d") \
    < /dev/null >> "$LOG/nomad.log" 2>&1 &
  pid=$!
  printf '%s\n%s\n%s\n' "$pid" "$(proc_start "$pid")" "$(now)" > "$RUN/$UNIT.pid"
  # like the stand-in: a service that exits at once failed to start
  sleep "${LAB_PROVISION_START_WAIT:-0.3}"
  if [ -z "$(proc_start "$pid")" ]; then
    rm -f "$RUN/$UNIT.pid"
    echo "provision.sh: nomad exited right after start; see $LOG/nomad.log:" >&2
    tail -n 5 "$LOG/nomad.log" >&2
    exit 1
  fi
fi
