/**
 * A delaying TCP proxy: the kernel here has no netem, so lab latency comes from holding each
 * chunk for `delayMs` in each direction (half the round-trip latency) before forwarding it.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface ProxyRoute {
  port: number;
  targetHost: string;
  targetPort: number;
}

const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;

/** Forward `from` to `to`, each chunk and the end-of-stream delayed by `delayMs`, in order. */
export function delayedPipe(from: Socket, to: Socket, delayMs: number): void {
  let pending = 0;
  const maybeResume = (): void => {
    if (from.isPaused() && pending + to.writableLength <= LOW_WATER) from.resume();
  };
  from.on('data', (chunk: Buffer) => {
    pending += chunk.length;
    if (pending + to.writableLength > HIGH_WATER) from.pause();
    setTimeout(() => {
      pending -= chunk.length;
      if (!to.destroyed) to.write(chunk);
      maybeResume();
    }, delayMs);
  });
  to.on('drain', maybeResume);
  from.on('end', () => setTimeout(() => to.destroyed || to.end(), delayMs));
}

/**
 * One proxied connection. A clean close travels as end-of-stream (so buffered data is still
 * delivered); an error or reset on one side tears the other down after the delay.
 */
export function proxyConnection(client: Socket, route: ProxyRoute, delayMs: number): void {
  const upstream = connect({ port: route.targetPort, host: route.targetHost, allowHalfOpen: true });
  client.setNoDelay(true);
  upstream.setNoDelay(true);
  const abort = (): void => {
    setTimeout(() => {
      client.destroy();
      upstream.destroy();
    }, delayMs);
  };
  client.on('error', abort);
  upstream.on('error', abort);
  client.on('close', (hadError) => hadError && abort());
  upstream.on('close', (hadError) => hadError && abort());
  delayedPipe(client, upstream, delayMs);
  delayedPipe(upstream, client, delayMs);
}

/** Listen on `listenHost` at every route's port; resolves once all are listening. */
export async function startProxies(listenHost: string, routes: ProxyRoute[], delayMs: number): Promise<Server[]> {
  return Promise.all(
    routes.map(
      (route) =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer({ allowHalfOpen: true }, (s) => proxyConnection(s, route, delayMs));
          server.once('error', (e) => reject(new Error(`proxy ${listenHost}:${route.port}: ${e.message}`)));
          server.listen(route.port, listenHost, () => resolve(server));
        }),
    ),
  );
}

/** Parse "20ms", "0.5s" or "20" (ms) into milliseconds. */
export function parseLatency(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s)?$/.exec(text.trim());
  if (!m) throw new Error(`latency "${text}" is not a duration like 20ms or 0.1s`);
  const ms = Number(m[1]) * (m[2] === 's' ? 1000 : 1);
  if (ms > 10_000) throw new Error(`latency ${text} is above 10s`);
  return ms;
}
