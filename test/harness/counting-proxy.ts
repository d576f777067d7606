import net from 'node:net';

// A TCP proxy on 127.0.0.1 that counts connections and the most it ever had open at once: the
// politeness tests check the per-host connection cap with it.

export interface CountingProxy {
  port: number;
  readonly total: number;
  readonly peak: number;
  stop(): Promise<void>;
}

export async function startCountingProxy(targetPort: number): Promise<CountingProxy> {
  let open = 0;
  let peak = 0;
  let total = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    total++;
    open++;
    // Measured after this poll phase: a close and a new connect seen in the same event-loop
    // turn arrived in that order on the wire (the client closes before it opens the next one).
    setImmediate(() => (peak = Math.max(peak, open)));
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      open--;
      client.destroy();
      upstream.destroy();
    };
    // Our side closing is seen first as the end of the client's stream.
    client.on('end', close);
    for (const s of [client, upstream]) {
      s.on('error', close);
      s.on('close', close);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    get total() {
      return total;
    },
    get peak() {
      return peak;
    },
    stop: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
