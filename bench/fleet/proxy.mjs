// The fleet's latency proxy, run as a child process (fork) so that its work is measured apart
// from the exporter's. One listener per route (a server's port at one round-trip time); each
// listener is test/harness/latency-proxy.mjs, which delays every chunk, FIN and RST by half the
// round trip in each direction and charges the TCP handshake's round trip too.
//
// Messages: { routes: [{ id, targetPort, rttMs }] } → { ports: { id: port } };
//           'stats' → { accepted, maxConcurrent, bytesUp, bytesDown }.
import { startLatencyProxy } from '../../test/harness/latency-proxy.mjs';

const proxies = [];

process.on('message', async (msg) => {
  if (msg === 'stats') {
    const sum = (key) => proxies.reduce((n, p) => n + p.stats[key], 0);
    process.send({ accepted: sum('accepted'), maxConcurrent: sum('maxConcurrent'), bytesUp: sum('bytesUp'), bytesDown: sum('bytesDown') });
    return;
  }
  const ports = {};
  for (const route of msg.routes) {
    const proxy = await startLatencyProxy({ targetPort: route.targetPort, delayMs: route.rttMs / 2 });
    // The lifetimes list would grow by one number per connection (hundreds of thousands): unused here.
    proxy.stats.lifetimesMs = { push() {} };
    proxies.push(proxy);
    ports[route.id] = proxy.port;
  }
  process.send({ ports });
});
process.on('disconnect', () => process.exit(0));
