import net from 'node:net';

// A TCP server on 127.0.0.1 whose behaviour is a small script: the misbehaving XMPP servers of
// the bad-input tests (silent, garbage, stream errors, no STARTTLS, …).

export interface ScriptedServer {
  port: number;
  stop(): Promise<void>;
}

export async function startScriptedServer(onConnection: (socket: net.Socket) => void): Promise<ScriptedServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export const SERVER_HEADER =
  "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='bad.test' id='x1' version='1.0'>";

/** Answers the client's stream header (once some bytes arrive) with `reply`. */
export function replyOnFirstData(reply: string | Buffer | ((socket: net.Socket) => void)) {
  return (socket: net.Socket) => {
    socket.once('data', () => {
      if (typeof reply === 'function') reply(socket);
      else socket.write(reply);
    });
  };
}
