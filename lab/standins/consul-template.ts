#!/usr/bin/env node
/** Lab stand-in for `consul-template -config DIR_OR_FILE [-once]` with Vault secrets only. */
import { writeFileSync } from 'node:fs';
import { errorText, logLine } from './common.js';
import { loadCtConfig } from './ct-config.js';
import { Runner } from './ct-runner.js';

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
    } else throw new Error(`unknown flag ${a}`);
  }
  if (configs.length === 0 || configs.some((c) => !c)) throw new Error('-config DIR_OR_FILE is required');
  return { configs, once };
}

async function main(): Promise<number> {
  const { configs, once } = parseArgs(process.argv.slice(2));
  const cfg = loadCtConfig(configs);
  if (cfg.pidFile) writeFileSync(cfg.pidFile, `${process.pid}\n`);
  if (cfg.syslog) logLine('INFO', 'cli', 'syslog is enabled in the config; the lab stand-in logs to stdout only');
  const runner = new Runner(cfg, once);
  const ok = await runner.start();
  if (once) {
    runner.stop();
    return ok ? 0 : 1;
  }
  process.on('SIGHUP', () => {
    logLine('INFO', 'cli', 'received SIGHUP, reloading configuration');
    try {
      void runner.reload(loadCtConfig(configs));
    } catch (e) {
      logLine('ERROR', 'cli', `reload: ${errorText(e)}; keeping the previous configuration`);
    }
  });
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      logLine('INFO', 'cli', `received ${sig}, stopping`);
      runner.stop();
      process.exit(0);
    });
  }
  return new Promise<number>(() => undefined);
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    logLine('ERROR', 'cli', errorText(e));
    process.exit(1);
  },
);
