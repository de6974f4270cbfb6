#!/usr/bin/env node
/** Lab stand-in for `consul-template -config DIR_OR_FILE [-once]` with Vault secrets only. */
import { writeFileSync } from 'node:fs';
import { errorText, logLine } from './common.js';
import { CtConfigError, loadCtConfig } from './ct-config.js';
import { Runner } from './ct-runner.js';

/** cli.go ParseFlags: a bad flag is printed as is and exits 12 (ExitCodeParseFlagsError). */
class FlagError extends Error {}

function parseArgs(argv: string[]): { configs: string[]; once: boolean } {
  const configs: string[] = [];
  let once = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const m = /^--?config(?:=(.*))?$/.exec(a);
    if (m) configs.push(m[1] ?? argv[++i] ?? '');
    else if (a === '-once' || a === '--once') once = true;
    else if (/^--?log-level(=.*)?$/.test(a)) {
      if (!a.includes('=')) i++;
    } else if (a === '-v' || a === '-version' || a === '--version') {
      process.stdout.write('consul-template v0.39.1 (lab stand-in)\n');
      process.exit(0);
    } else throw new FlagError(`flag provided but not defined: ${a}`);
  }
  if (configs.length === 0 || configs.some((c) => !c)) throw new FlagError('-config DIR_OR_FILE is required (the lab stand-in reads its configuration from files only)');
  return { configs, once };
}

async function main(): Promise<number> {
  const { configs, once } = parseArgs(process.argv.slice(2));
  const cfg = loadCtConfig(configs);
  if (cfg.pidFile) writeFileSync(cfg.pidFile, `${process.pid}\n`);
  if (cfg.syslog) logLine('INFO', 'cli', 'syslog is enabled in the config; the lab stand-in logs to stdout only');
  let runner = new Runner(cfg, once);
  if (once) {
    const ok = await runner.start();
    runner.stop();
    return ok ? 0 : 13;
  }
  // cli.go Run: on the reload signal the runner stops, the configuration is read again (an
  // error ends the process with ExitCodeConfigError) and a new runner fetches every secret again.
  process.on('SIGHUP', () => {
    process.stderr.write('Reloading configuration...\n');
    runner.stop();
    const next = loadCtConfig(configs);
    runner = new Runner(next, false);
    void runner.start();
  });
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      logLine('INFO', 'cli', `received ${sig}, stopping`);
      runner.stop();
      process.exit(0);
    });
  }
  void runner.start();
  return new Promise<number>(() => undefined);
}

/** cli.go logError: `[ERR] (cli) <error>`, exit 14 for a configuration error, 13 for the runner's. */
function fail(e: unknown): never {
  if (e instanceof FlagError) {
    process.stderr.write(`${e.message}\n`);
    process.exit(12);
  }
  process.stderr.write(`${new Date().toISOString()} [ERR] (cli) ${errorText(e)}\n`);
  process.exit(e instanceof CtConfigError ? 14 : 13);
}
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

main().then((code) => process.exit(code), fail);
