/**
 * The `orchestrate` CLI. Kept light at start-up: commands import their code only when they run,
 * so `orchestrate --version` does not load the engine.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';

export const EXIT = { ok: 0, error: 1, hostFailed: 2, unreachable: 3, parse: 4, badOptions: 5, interrupted: 99 } as const;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];
const count = (_v: string, prev: number): number => prev + 1;

export function buildProgram(): Command {
  const program = new Command('orchestrate')
    .description('Agentless SSH orchestration: Ansible-compatible playbooks, run fast and safely')
    .version(version(), '--version')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('run')
    .alias('playbook')
    .description('run one or more playbooks')
    .argument('<playbook...>', 'playbook file(s)')
    .option('-i, --inventory <source>', 'inventory file or directory (repeatable; default: $ORCHESTRATE_INVENTORY, else inventory/lab.yml when present)', collect)
    .option('-l, --limit <pattern>', 'further limit selected hosts to a pattern (Ansible patterns, @retry-file); matching no host is an error')
    .option('-e, --extra-vars <vars>', 'extra variables: k=v, @file.yml or JSON/YAML (repeatable)', collect)
    .option('-t, --tags <tags>', 'only run tasks tagged with these (repeatable, comma-separated)', collect)
    .option('--skip-tags <tags>', 'skip tasks tagged with these (repeatable, comma-separated)', collect)
    .option('-C, --check', "don't change anything; report what would change")
    .option('-D, --diff', 'show the differences in changed files')
    .addOption(new Option('-f, --forks <n>', 'hosts worked on in parallel').default(50).argParser((v) => parsePositive(v, '--forks')))
    .option('--syntax-check', 'validate the playbook tree and exit')
    .option('--list-tasks', 'list the tasks that would run')
    .option('--list-hosts', 'list the hosts each play would run on')
    .option('--list-tags', 'list all tags')
    .option('--json', 'stream one JSON object per event on stdout')
    .option('-v, --verbose', 'more output: -v reasons for ok and timings, -vv task paths', count, 0)
    .option('-u, --user <user>', 'connect as this user (the default: ansible_user and remote_user win)')
    .option('-b, --become', 'run tasks with sudo')
    .option('--become-user <user>', 'become this user (default root)')
    .option('-K, --ask-become-pass', 'ask for the become (sudo/su) password (ansible_become_password wins)')
    .addOption(new Option('--host-key-checking <mode>', 'host key policy').choices(['yes', 'accept-new', 'no']))
    .option('--known-hosts <file>', 'known_hosts file to verify host keys against')
    .option('--vault-secrets-file <file>', 'where vault_init stores unseal keys and the root token (default: .orchestrate/vault-secrets.json)')
    .option('--report <file>', 'write a self-contained HTML report of the run to this file')
    .action(async (playbooks: string[], options: Record<string, unknown>) => {
      const { runCommand } = await import('./run.js');
      process.exitCode = await runCommand(playbooks, options);
    });

  program
    .command('inventory')
    .description('show the inventory as orchestrate (and ansible-inventory) sees it')
    .option('-i, --inventory <source>', 'inventory file or directory (repeatable)', collect, [])
    .option('--list-hosts', 'one host per line')
    .option('-l, --limit <pattern>', 'host pattern for --list-hosts', 'all')
    .option('--graph [group]', 'group tree')
    .option('--host <name>', 'merged variables of one host as JSON')
    .option('--list', 'everything as JSON, like ansible-inventory --list')
    .option('-e, --extra-vars <vars>', 'ignored for compatibility', collect, [])
    .action(async (options: Record<string, unknown>) => {
      const { inventoryCommand } = await import('./inventory.js');
      process.exitCode = await inventoryCommand(options);
    });

  program
    .command('report')
    .description('write the HTML report of a run from its saved --json stream')
    .argument('<events>', 'file with the output of orchestrate run --json ("-" for stdin)')
    .option('-o, --output <file>', 'the HTML file to write', 'run.html')
    .action(async (events: string, options: { output?: string }) => {
      const { reportCommand } = await import('./report.js');
      process.exitCode = reportCommand(events, options);
    });

  return program;
}

function parsePositive(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new CommanderError(EXIT.badOptions, 'orchestrate.badOption', `${name} must be a positive integer, got "${v}"`);
  return n;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    const lab = await import('../../lab/fleet/command.js').catch(() => undefined);
    if (lab && 'registerLabCommand' in lab) (lab.registerLabCommand as (p: Command) => void)(program);
  } catch {
    // the lab command is optional
  }
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.version' || err.code === 'commander.helpDisplayed' || err.code === 'commander.help') {
        process.exitCode = 0;
        return;
      }
      process.exitCode = EXIT.badOptions;
      return;
    }
    throw err;
  }
}
