#!/usr/bin/env node
/**
 * Lab stand-in for the `nomad` binary:
 *   nomad agent -config DIR_OR_FILE [-config ...]   run the agent (HTTP API + RPC port, TLS reload on SIGHUP)
 *   nomad status                                    GET /v1/jobs using NOMAD_ADDR / NOMAD_CACERT / NOMAD_CLIENT_*
 *   nomad operator keygen                           print a new base64 gossip key
 *   nomad version
 */
import { randomBytes } from 'node:crypto';
import { errorText, logLine } from './common.js';
import { NomadAgent } from './nomad-agent.js';
import { nomadStatus } from './nomad-cli.js';

const VERSION = 'Nomad v1.9.7 (lab stand-in)';

async function agent(args: string[]): Promise<number> {
  const paths: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    const m = /^--?config(?:=(.*))?$/.exec(a);
    if (m) paths.push(m[1] ?? args[++i] ?? '');
    else if (a === '-dev') continue;
    else {
      process.stderr.write(`nomad agent: unknown flag ${a}\n`);
      return 1;
    }
  }
  if (paths.length === 0 || paths.some((p) => !p)) {
    process.stderr.write('nomad agent: -config DIR_OR_FILE is required\n');
    return 1;
  }
  let a: NomadAgent;
  try {
    a = new NomadAgent(paths);
    await a.listen();
  } catch (e) {
    logLine('ERROR', 'agent', `failed to start: ${errorText(e)}`);
    return 1;
  }
  process.on('SIGHUP', () => {
    logLine('INFO', 'agent', 'caught signal: hangup, reloading');
    a.reload();
  });
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      logLine('INFO', 'agent', `caught signal: ${sig === 'SIGTERM' ? 'terminated' : 'interrupt'}, shutting down`);
      a.close();
      process.exit(0);
    });
  }
  return new Promise<number>(() => undefined); // runs until signalled
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'agent':
      return agent(rest);
    case 'status':
      return nomadStatus();
    case 'version':
    case '-version':
    case '--version':
      process.stdout.write(VERSION + '\n');
      return 0;
    case 'operator':
      if (rest[0] === 'keygen') {
        process.stdout.write(randomBytes(32).toString('base64') + '\n');
        return 0;
      }
      break;
  }
  process.stderr.write('Usage: nomad agent -config DIR | status | operator keygen | version\n');
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`nomad: ${errorText(e)}\n`);
    process.exit(1);
  },
);
