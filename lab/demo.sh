#!/usr/bin/env bash
# The flagship job on the local lab: bring up 1 server + 3 clients (real sshd hosts, a
# Vault-compatible server, Nomad and consul-template stand-ins), run playbooks/mtls.yml with live
# progress, then ask Nomad for its jobs over mTLS from the server, as `nomad status` would.
set -euo pipefail
cd "$(dirname "$0")/.."
orch() { node bin/orchestrate.js "$@"; }

if [ "$(id -u)" != 0 ]; then
  echo "the lab needs root (network and mount namespaces); run: sudo npm run demo" >&2
  exit 1
fi
if [ -f inventory/lab.yml ] && orch lab status >/dev/null 2>&1; then
  echo "== lab already up (orchestrate lab status)"
else
  echo "== bringing the lab up: 1 server, 3 clients"
  orch lab up
fi

echo "== orchestrate run -i inventory/lab.yml playbooks/mtls.yml"
orch run -i inventory/lab.yml playbooks/mtls.yml

echo
echo "== nomad status on server1, over mTLS with the CLI certificate (/etc/profile.d/nomad-tls.sh)"
addr=$(orch inventory -i inventory/lab.yml --host server1 | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).ansible_host))')
ssh -q -i .lab/default/ssh/id_ed25519 -o UserKnownHostsFile=.lab/default/known_hosts -o BatchMode=yes "root@$addr" \
  '. /etc/profile.d/nomad-tls.sh && echo "NOMAD_ADDR=$NOMAD_ADDR" && nomad status'

echo
echo "== and without TLS settings the agent refuses plain HTTP, as the guide shows:"
ssh -q -i .lab/default/ssh/id_ed25519 -o UserKnownHostsFile=.lab/default/known_hosts -o BatchMode=yes "root@$addr" \
  'NOMAD_ADDR=http://localhost:4646 nomad status' || true

cat <<'MSG'

Done. Run the playbook again to see every task "ok" (nothing changes):
  node bin/orchestrate.js run -i inventory/lab.yml playbooks/mtls.yml
Take the lab down (stops only what the lab started, removes its state):
  node bin/orchestrate.js lab down
MSG
