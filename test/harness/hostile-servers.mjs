// Hostile XMPP servers on 127.0.0.1: each one misbehaves in one way that a scanner on the real
// internet meets (slow drip, endless keep-alives, deep nesting, stalls, absurd TLS lengths,
// handshakes that always fail). Plain JavaScript so that both the jest tests (test/integration/
// scan/hostile-servers.test.ts) and the chaos bench (bench/chaos-bench.mjs) can start them.
import net from 'node:net';

export const HOSTILE_HEADER =
  "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='hostile.test' id='h1' version='1.0'>";
const FEATURES_STARTTLS = "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>";
const PROCEED = "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";

/** Sends `text` one byte every `intervalMs` for as long as the connection lives. */
function drip(socket, text, intervalMs) {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed) return clearInterval(timer);
    socket.write(text[i % text.length]);
    i++;
  }, intervalMs);
  socket.once('close', () => clearInterval(timer));
}

/** Writes `make()` whenever the socket can take more, until it closes (a server with endless output). */
function flood(socket, make) {
  const pump = () => {
    while (!socket.destroyed && socket.write(make()));
  };
  socket.on('drain', pump);
  pump();
}

/** The STARTTLS dialogue up to <proceed/>, then `afterProceed(socket)` owns the bytes. */
function starttlsThen(afterProceed) {
  return (socket) => {
    let seen = '';
    let state = 'header';
    const onData = (chunk) => {
      seen += chunk.toString('latin1');
      const header = seen.indexOf('<stream:stream');
      if (state === 'header' && header >= 0) {
        state = 'features';
        // A client may pipeline <starttls/> right after its header: keep what follows it.
        seen = seen.slice(header + '<stream:stream'.length);
        socket.write(HOSTILE_HEADER + FEATURES_STARTTLS);
      }
      if (state === 'features' && seen.includes('<starttls')) {
        state = 'tls';
        socket.off('data', onData);
        socket.write(PROCEED);
        afterProceed(socket);
      }
    };
    socket.on('data', onData);
  };
}

/** Answers each ClientHello record (after at least its 5-byte header arrived) with `reply`, once per connection. */
function onClientHello(reply) {
  return (socket) => {
    let got = Buffer.alloc(0);
    const onData = (chunk) => {
      got = Buffer.concat([got, chunk]);
      if (got.length < 5) return;
      socket.off('data', onData);
      reply(socket);
    };
    socket.on('data', onData);
  };
}

/** A fatal handshake_failure alert (TLS 1.0 record version, so every client reads it). */
const HANDSHAKE_FAILURE_ALERT = Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28]);

/**
 * The behaviours, by name. Each takes the accepted socket and never ends the connection itself
 * unless the behaviour is to end it.
 */
export const HOSTILE_BEHAVIOURS = {
  /** Accepts and never says a word. */
  silent: () => {},
  /** The stream header, one byte a second (every byte would reset an idle timer). */
  drip: (socket) => socket.once('data', () => drip(socket, HOSTILE_HEADER + FEATURES_STARTTLS, 1000)),
  /** The header, then a whitespace keep-alive every 200 ms and never any features. */
  keepalive: (socket) =>
    socket.once('data', () => {
      socket.write(HOSTILE_HEADER);
      drip(socket, ' ', 200);
    }),
  /** The header, then `<a>` nested without end, as fast as we can read it. */
  nested: (socket) =>
    socket.once('data', () => {
      socket.write(HOSTILE_HEADER);
      const chunk = '<a>'.repeat(20_000);
      flood(socket, () => chunk);
    }),
  /** The header, then 2 MB of nesting in one write: the depth limit trips inside one big chunk. */
  nestedBurst: (socket) =>
    socket.once('data', () => {
      socket.write(HOSTILE_HEADER + '<a>'.repeat(700_000));
    }),
  /** Billion laughs: a DOCTYPE with nested entities (XMPP forbids DOCTYPEs). */
  bomb: (socket) =>
    socket.once('data', () => {
      const entities = Array.from({ length: 10 }, (_, i) => `<!ENTITY l${i + 1} "${`&l${i};`.repeat(10)}">`).join('');
      socket.write(`<?xml version='1.0'?><!DOCTYPE s [<!ENTITY l0 "lol">${entities}]>${HOSTILE_HEADER.replace("<?xml version='1.0'?>", '')}<x>&l10;</x>`);
    }),
  /** An element with a huge number of attributes, in one write. */
  wideElement: (socket) =>
    socket.once('data', () => {
      const attrs = Array.from({ length: 60_000 }, (_, i) => ` a${i}='x'`).join('');
      socket.write(`${HOSTILE_HEADER}<stream:features${attrs}/>`);
    }),
  /** STARTTLS, <proceed/>, then nothing: the TLS handshake never gets an answer. */
  stallAfterProceed: starttlsThen(() => {}),
  /** STARTTLS, then a handshake message header claiming a 16 MB ServerHello, and a byte every 100 ms after it. */
  tlsHuge: starttlsThen(
    onClientHello((socket) => {
      // Record: handshake, TLS 1.2, 4 bytes; in it: server_hello (2) of 0xFFFFFF bytes.
      socket.write(Buffer.from([0x16, 0x03, 0x03, 0x00, 0x04, 0x02, 0xff, 0xff, 0xff]));
      drip(socket, '\u0000', 100);
    }),
  ),
  /** STARTTLS, then a TLS record header claiming 16 KB, whose body comes a byte every 100 ms. */
  tlsRecordDrip: starttlsThen(
    onClientHello((socket) => {
      socket.write(Buffer.from([0x16, 0x03, 0x03, 0x40, 0x00]));
      drip(socket, '\u0000', 100);
    }),
  ),
  /** STARTTLS, then every ClientHello gets a fatal handshake_failure alert. */
  handshakeFailure: starttlsThen(onClientHello((socket) => socket.end(HANDSHAKE_FAILURE_ALERT))),
  /** STARTTLS, then every ClientHello is answered by closing the connection. */
  handshakeClose: starttlsThen(onClientHello((socket) => socket.destroy())),
};

/**
 * Starts a server with one of HOSTILE_BEHAVIOURS. `connections` counts accepted connections;
 * `stop()` destroys every open one.
 */
export async function startHostileServer(behaviour, port = 0) {
  const act = typeof behaviour === 'function' ? behaviour : HOSTILE_BEHAVIOURS[behaviour];
  if (!act) throw new Error(`unknown hostile behaviour ${String(behaviour)}`);
  const sockets = new Set();
  const stats = { connections: 0 };
  const server = net.createServer((socket) => {
    stats.connections++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    act(socket);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    port: server.address().port,
    stats,
    stop: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
