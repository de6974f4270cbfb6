#!/bin/sh
# Provision one lab host (run as root inside the host's namespaces):
#   provision.sh server|client DIST_DIR
# Installs the systemctl and nomad stand-ins into /usr/local/bin, writes a base Nomad config
# (/etc/nomad.d/nomad.hcl, only when absent so later playbook changes survive a re-run) and
# /etc/systemd/system/nomad.service, then runs `systemctl enable --now nomad`. Idempotent.
# LAB_ROOT (optional) prefixes every path, for tests; LAB_NOMAD_HTTP_PORT / LAB_NOMAD_RPC_PORT /
# LAB_NOMAD_BIND override the agent's ports and bind address (defaults: Nomad's 4646/4647, 0.0.0.0).
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

for f in systemctl nomad; do
  write_file "$R/usr/local/bin/$f" 0755 <<WRAPPER
#!/bin/sh
# lab stand-in for $f
exec '$NODE' '$DIST/lab/standins/$f.js' "\$@"
WRAPPER
done

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
    if [ "$ROLE" = server ]; then
      echo "server {"
      echo "  enabled = true"
      echo ""
      echo "  # Self-elect, should be 3 or 5 for production"
      echo "  bootstrap_expect = 1"
      echo "}"
    else
      echo "client {"
      echo "  enabled = true"
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

"$R/usr/local/bin/systemctl" daemon-reload
"$R/usr/local/bin/systemctl" enable --now nomad
"$R/usr/local/bin/systemctl" is-active --quiet nomad
