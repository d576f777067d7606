// A TCP proxy on 127.0.0.1 that adds a fixed one-way delay in each direction, for benchmarks.
//
// Every chunk read from one side is queued with its release time (arrival + delay) and written to
// the other side when that time comes, in arrival order, so byte order per connection and
// direction is kept. End-of-stream and resets travel through the same queue (a FIN or RST arrives
// one delay late too). No connection limit; the proxy counts accepted connections so a benchmark
// can see how many connections a tool opened.
//
// A userspace proxy cannot slow down the kernel's TCP handshake: the client's connect() completes
// at once. With `handshakeRtt` (default on) the proxy charges that round trip instead: bytes the
// client sends are not delivered before accept + 1 RTT + delay, which is when they would reach
// the server on a real link (SYN, SYN-ACK, then data). For client-speaks-first protocols (XMPP,
// TLS) that gives the server the same arrival times a real link would.
//
// Usage as a program: node test/harness/latency-proxy.mjs TARGET_PORT [ONE_WAY_MS] [LISTEN_PORT]

import net from 'node:net';
import { pathToFileURL } from 'node:url';

/**
 * @param {{ targetPort: number, targetHost?: string, delayMs: number, listenPort?: number, handshakeRtt?: boolean }} opts
 * @returns {Promise<{ port: number, stats: { accepted: number, bytesUp: number, bytesDown: number, maxConcurrent: number, lifetimesMs: number[], firstAcceptAt: number | null, lastCloseAt: number | null }, resetStats(): void, close(): Promise<void> }>}
 */
export async function startLatencyProxy(opts) {
  const delay = opts.delayMs;
  const targetHost = opts.targetHost ?? '127.0.0.1';
  const handshakeRtt = opts.handshakeRtt ?? true;
  const stats = { accepted: 0, bytesUp: 0, bytesDown: 0, maxConcurrent: 0, lifetimesMs: [], firstAcceptAt: null, lastCloseAt: null };
  let concurrent = 0;
  const open = new Set();

  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    stats.accepted++;
    const acceptedAt = performance.now();
    stats.firstAcceptAt ??= acceptedAt;
    stats.maxConcurrent = Math.max(stats.maxConcurrent, ++concurrent);
    // A connection's life, as the client sees it: accept → the client ends or resets its side
    // (what comes after — the FIN travelling on, the server closing — no longer holds the client).
    let over = false;
    const finished = () => {
      if (over) return;
      over = true;
      concurrent--;
      const now = performance.now();
      stats.lifetimesMs.push(now - acceptedAt);
      stats.lastCloseAt = now;
    };
    client.once('end', finished);
    client.once('close', finished);
    const upstream = net.connect({ host: targetHost, port: opts.targetPort, allowHalfOpen: true, noDelay: true });
    client.setNoDelay(true);
    open.add(client);
    open.add(upstream);
    const forget = () => {
      open.delete(client);
      open.delete(upstream);
    };
    client.once('close', forget);
    upstream.once('close', forget);
    // Client → server: not before the moment the data would have arrived after a real handshake.
    const up = pipeDelayed(client, upstream, delay, handshakeRtt && delay > 0 ? acceptedAt + 2 * delay : 0, (n) => (stats.bytesUp += n));
    const down = pipeDelayed(upstream, client, delay, 0, (n) => (stats.bytesDown += n));
    void up;
    void down;
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listenPort ?? 0, '127.0.0.1', 4096, () => resolve(undefined));
  });
  const { port } = /** @type {net.AddressInfo} */ (server.address());
  return {
    port,
    stats,
    resetStats() {
      stats.accepted = 0;
      stats.bytesUp = 0;
      stats.bytesDown = 0;
      stats.maxConcurrent = concurrent;
      stats.lifetimesMs = [];
      stats.firstAcceptAt = null;
      stats.lastCloseAt = null;
    },
    close() {
      for (const s of open) s.destroy();
      return new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}

/**
 * Forwards `from` → `to` with `delay` ms added to every event; events are released in order.
 * `notBefore` (performance.now() time) holds delivery back, for the simulated TCP handshake.
 */
function pipeDelayed(from, to, delay, notBefore, count) {
  /** @type {{ at: number, kind: 'data' | 'end' | 'reset', data?: Buffer }[]} */
  const queue = [];
  let timer = null;
  let done = false;

  const pump = () => {
    timer = null;
    const now = performance.now();
    while (queue.length > 0 && queue[0].at <= now + 0.5) {
      const ev = queue.shift();
      if (to.destroyed) {
        queue.length = 0;
        return;
      }
      if (ev.kind === 'data') {
        count(ev.data.length);
        to.write(ev.data);
      } else if (ev.kind === 'end') {
        to.end();
      } else {
        to.destroy();
      }
    }
    schedule();
  };
  const schedule = () => {
    if (timer || queue.length === 0) return;
    timer = setTimeout(pump, Math.max(0, queue[0].at - performance.now()));
  };
  const push = (kind, data) => {
    if (done) return;
    if (kind !== 'data') done = true;
    // Release times never go down (in-order delivery even if notBefore or timer jitter intervene).
    const last = queue.length > 0 ? queue[queue.length - 1].at : 0;
    const at = Math.max(performance.now() + delay, notBefore + delay, last);
    queue.push({ at, kind, data });
    if (delay === 0) pump();
    else schedule();
  };

  from.on('data', (d) => push('data', d));
  from.on('end', () => push('end'));
  from.on('error', () => push('reset'));
  from.on('close', (hadError) => {
    if (hadError) push('reset');
    // A plain close after 'end' was queued already; a close without 'end' (destroy) is a reset.
    else if (!done) push('reset');
  });
  to.on('error', () => {
    // The other side's failure surfaces through its own pipe; stop writing to it.
    queue.length = 0;
  });
}

// Program mode: a standalone proxy. Started with an IPC channel (child_process.fork), it reports
// { port } once listening and answers { cmd: 'stats' } and { cmd: 'reset' } with its counters.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const targetPort = Number(process.argv[2]);
  const delayMs = Number(process.argv[3] ?? 25);
  const listenPort = Number(process.argv[4] ?? 0);
  if (!Number.isInteger(targetPort) || targetPort <= 0) {
    process.stderr.write('usage: node test/harness/latency-proxy.mjs TARGET_PORT [ONE_WAY_MS=25] [LISTEN_PORT=0]\n');
    process.exit(2);
  }
  const proxy = await startLatencyProxy({ targetPort, delayMs, listenPort });
  if (process.send) {
    process.on('message', (msg) => {
      if (msg?.cmd === 'reset') proxy.resetStats();
      if (msg?.cmd === 'stats' || msg?.cmd === 'reset') process.send({ id: msg.id, stats: proxy.stats });
      if (msg?.cmd === 'close') void proxy.close().then(() => process.exit(0));
    });
    process.on('disconnect', () => process.exit(0));
    process.send({ port: proxy.port });
  } else {
    process.stdout.write(`127.0.0.1:${proxy.port} → 127.0.0.1:${targetPort}, ${delayMs} ms each way (${2 * delayMs} ms RTT)\n`);
    process.on('SIGINT', () => {
      process.stdout.write(`\n${proxy.stats.accepted} connections\n`);
      void proxy.close().then(() => process.exit(0));
    });
  }
}
