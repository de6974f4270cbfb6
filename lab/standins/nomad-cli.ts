/** `nomad status` for the stand-in: reads NOMAD_ADDR and the NOMAD_CACERT / NOMAD_CLIENT_* files like the real CLI. */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';

function goQuote(b: Buffer): string {
  let out = '';
  for (const byte of b) out += byte >= 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x5c ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  return `"${out}"`;
}

/** Plain HTTP GET over a raw socket, so a TLS alert answer can be reported as Go's client does. */
function plainGet(url: URL): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(url.port || 80), url.hostname.replace(/^\[|\]$/g, ''));
    const chunks: Buffer[] = [];
    s.on('connect', () => s.write(`GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n\r\n`));
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', reject);
    s.on('close', () => {
      const raw = Buffer.concat(chunks);
      const text = raw.toString('utf8');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      if (!m) return reject(new Error(`net/http: HTTP/1.x transport connection broken: malformed HTTP response ${goQuote(raw.subarray(0, 6))}`));
      resolve({ status: Number(m[1]), body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
  });
}

function tlsGet(url: URL): Promise<{ status: number; body: string }> {
  const file = (name: string): Buffer | undefined => (process.env[name] ? readFileSync(process.env[name] as string) : undefined);
  const ca = file('NOMAD_CACERT');
  const cert = file('NOMAD_CLIENT_CERT');
  const key = file('NOMAD_CLIENT_KEY');
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}), allowPartialTrustChain: true }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

export async function nomadStatus(): Promise<number> {
  const addr = process.env['NOMAD_ADDR'] ?? 'http://127.0.0.1:4646';
  const url = new URL('/v1/jobs', addr);
  try {
    const res = url.protocol === 'https:' ? await tlsGet(url) : await plainGet(url);
    if (res.status !== 200) throw new Error(`Unexpected response code: ${res.status} (${res.body.trim()})`);
    const jobs: unknown = JSON.parse(res.body);
    process.stdout.write(Array.isArray(jobs) && jobs.length === 0 ? 'No running jobs\n' : JSON.stringify(jobs) + '\n');
    return 0;
  } catch (e) {
    process.stderr.write(`Error querying jobs: Get "${url.href}": ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
