/**
 * Entry of the lab's latency proxy process: `node dist/lab/fleet/proxy-main.js CONFIG.json`.
 * CONFIG: { "listen": "10.213.0.1", "delayMs": 10, "routes": [{ "port", "targetHost", "targetPort" }] }.
 * Prints "proxy listening" once every port listens.
 */
import { readFileSync } from 'node:fs';
import { startProxies, type ProxyRoute } from './proxy.js';

interface ProxyConfig {
  listen: string;
  delayMs: number;
  routes: ProxyRoute[];
}

function parseConfig(file: string): ProxyConfig {
  const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof raw !== 'object' || raw === null) throw new Error(`${file}: not an object`);
  const o = raw as Record<string, unknown>;
  if (typeof o['listen'] !== 'string' || typeof o['delayMs'] !== 'number' || !Array.isArray(o['routes'])) {
    throw new Error(`${file}: needs listen (string), delayMs (number) and routes (array)`);
  }
  const routes = o['routes'].map((r: unknown, i: number): ProxyRoute => {
    const x = (typeof r === 'object' && r !== null ? r : {}) as Record<string, unknown>;
    if (typeof x['port'] !== 'number' || typeof x['targetHost'] !== 'string' || typeof x['targetPort'] !== 'number') {
      throw new Error(`${file}: routes[${i}] needs port, targetHost and targetPort`);
    }
    return { port: x['port'], targetHost: x['targetHost'], targetPort: x['targetPort'] };
  });
  return { listen: o['listen'], delayMs: o['delayMs'], routes };
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: proxy-main.js CONFIG.json');
  const config = parseConfig(file);
  await startProxies(config.listen, config.routes, config.delayMs);
  process.stdout.write(`proxy listening on ${config.listen} (${config.routes.length} ports, ${config.delayMs}ms each way)\n`);
  process.on('SIGTERM', () => process.exit(0));
}

main().catch((e: unknown) => {
  process.stderr.write(`lab proxy: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
