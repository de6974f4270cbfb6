/**
 * `orchestrate lab up|down|status|cut|restore`: the local rehearsal fleet. The lab code is
 * imported only when one of these commands runs, so other commands start fast.
 */
import type { Command } from 'commander';

type Actions = typeof import('./actions.js');
const actions = (): Promise<Actions> => import('./actions.js');

export function registerLabCommand(program: Command): Command {
  const lab = program
    .command('lab')
    .description('build a local fleet of real OpenSSH hosts (network + mount namespaces) for tests and rehearsals');
  lab
    .command('up')
    .description('start the lab and write its inventory (default: 1 server, 3 clients)')
    .option('--servers <n>', 'number of server hosts (server1..)', '1')
    .option('--clients <n>', 'number of client hosts (client1..)', '3')
    .option('--latency <time>', 'round-trip latency in front of every sshd, e.g. 20ms')
    .option('--name <name>', 'lab name (several labs can run at once)', 'default')
    .option('--subnet <cidr>', 'IPv4 subnet for the lab network (default: 10.213.0.0/16 for the default lab, a free 10.X.0.0/16 derived from the name for others)')
    .option('--inventory <path>', 'where to write the inventory (default: inventory/lab.yml for the default lab, .lab/NAME/inventory.yml for others)')
    .option('--no-provision', 'do not run lab/standins/provision.sh in the hosts (no systemctl shim, no Nomad stand-in)')
    .option('--vault-mode <mode>', 'lab Vault: shamir (default; unseal keys), auto-unseal (transit seal, recovery keys), tls (HTTPS, private CA); join with + (auto-unseal+tls)')
    .option('--apt-packages <list>', "Debian packages the lab's apt repository serves (comma-separated; from /var/cache/apt/archives or repacked from this machine's dpkg database, with the dependencies the machine lacks)")
    .option('-q, --quiet', 'print only the summary')
    .action(async (flags: Parameters<Actions['upAction']>[0]) => (await actions()).upAction(flags));
  lab
    .command('down')
    .description('stop everything the lab started and remove its state (safe to run twice)')
    .option('--name <name>', 'lab name', 'default')
    .action(async (flags: { name?: string }) => (await actions()).downAction(flags));
  lab
    .command('status')
    .description('each host, its address and whether it answers SSH; lab services')
    .option('--name <name>', 'lab name', 'default')
    .option('--json', 'machine-readable output')
    .action(async (flags: { name?: string; json?: boolean }) => (await actions()).statusAction(flags));
  lab
    .command('cut <host>')
    .description('take a host off the network')
    .option('--name <name>', 'lab name', 'default')
    .action(async (host: string, flags: { name?: string }) => (await actions()).cutAction(host, flags));
  lab
    .command('restore <host>')
    .description('bring a cut host back')
    .option('--name <name>', 'lab name', 'default')
    .action(async (host: string, flags: { name?: string }) => (await actions()).restoreAction(host, flags));
  return lab;
}
