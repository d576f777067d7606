import type { Socket } from 'node:net';
import {
  type Alert,
  ContentType,
  HandshakeReassembler,
  HandshakeType,
  type CertificateRequest,
  type ServerHello,
  type ServerKeyExchange,
  type Sslv2ServerHello,
  TlsParseError,
  TlsRecordReader,
  parseAlert,
  parseCertificate,
  parseCertificateRequest,
  parseServerHello,
  parseServerKeyExchange,
  parseSslv2Error,
  parseSslv2ServerHello,
} from '../wire/index.js';

// One probe: write a hello on a fresh socket, read just enough of the answer, close. No crypto:
// for TLS ≤ 1.2 the whole first flight (ServerHello … ServerHelloDone) is plaintext; for TLS 1.3
// everything after the ServerHello is encrypted, so we stop there.

/** What the server answered to one hello. */
export type ProbeAnswer =
  | { kind: 'hello'; serverHello: ServerHello; flight: ServerFlight }
  | { kind: 'sslv2'; serverHello: Sslv2ServerHello }
  | { kind: 'alert'; alert: Alert }
  | { kind: 'sslv2_error'; code: number; name: string }
  /** The server closed or reset the connection without a word: a rejection, or intolerance. */
  | { kind: 'closed'; reset: boolean }
  /** No complete answer in time. */
  | { kind: 'timeout' }
  /** The answer could not be parsed: not TLS, or broken TLS. */
  | { kind: 'malformed'; message: string };

/** The rest of a TLS ≤ 1.2 first flight, as far as it arrived. */
export interface ServerFlight {
  certificates: Buffer[] | null;
  serverKeyExchange: ServerKeyExchange | null;
  certificateRequest: CertificateRequest | null;
  /** ServerHelloDone seen: the flight is complete. */
  complete: boolean;
}

export interface ExchangeOptions {
  timeoutMs: number;
  /** Parse the ServerKeyExchange as DHE or ECDHE parameters (decided by the chosen suite). */
  keyExchangeOf: (cipherSuite: number) => 'dhe' | 'ecdhe' | null;
}

export function exchange(socket: Socket, hello: Buffer, opts: ExchangeOptions): Promise<ProbeAnswer> {
  return new Promise((resolve) => {
    const records = new TlsRecordReader();
    const handshake = new HandshakeReassembler();
    let serverHello: ServerHello | null = null;
    const flight: ServerFlight = { certificates: null, serverKeyExchange: null, certificateRequest: null, complete: false };
    let done = false;

    // Resolve only once the socket is closed, so the connection cap counts real connections.
    const finish = (answer: ProbeAnswer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.off('data', onData);
      if (socket.closed) resolve(answer);
      else {
        socket.once('close', () => resolve(answer));
        socket.destroy();
      }
    };
    const timer = setTimeout(() => finish(serverHello ? { kind: 'hello', serverHello, flight } : { kind: 'timeout' }), opts.timeoutMs);

    const onData = (chunk: Buffer) => {
      try {
        records.push(chunk);
        if (records.framing() === 'sslv2') return readSslv2();
        for (let record = records.nextRecord(); record; record = records.nextRecord()) {
          if (record.contentType === ContentType.alert) {
            // An alert after the ServerHello (say, a bad extension) still leaves what we learnt.
            if (serverHello) return finish({ kind: 'hello', serverHello, flight });
            return finish({ kind: 'alert', alert: parseAlert(record.fragment) });
          }
          if (record.contentType !== ContentType.handshake) {
            // ChangeCipherSpec / encrypted records after a TLS 1.3 ServerHello: we have what we need.
            if (serverHello) return finish({ kind: 'hello', serverHello, flight });
            return finish({ kind: 'malformed', message: `unexpected record type ${record.contentType} before the ServerHello` });
          }
          handshake.push(record.fragment);
          for (let msg = handshake.next(); msg; msg = handshake.next()) {
            if (handleMessage(msg.type, msg.body)) return;
          }
        }
      } catch (err) {
        if (serverHello) return finish({ kind: 'hello', serverHello, flight });
        finish({ kind: 'malformed', message: err instanceof TlsParseError ? err.message : `unexpected: ${(err as Error).message}` });
      }
    };

    /** Returns true when the probe is finished. */
    const handleMessage = (type: number, body: Buffer): boolean => {
      if (!serverHello) {
        if (type !== HandshakeType.server_hello) {
          finish({ kind: 'malformed', message: `expected a ServerHello, got handshake message type ${type}` });
          return true;
        }
        serverHello = parseServerHello(body);
        const tls13 = serverHello.isHelloRetryRequest || serverHello.selectedVersion === 0x0304;
        if (tls13) {
          finish({ kind: 'hello', serverHello, flight });
          return true;
        }
        return false;
      }
      switch (type) {
        case HandshakeType.certificate:
          flight.certificates = parseCertificate(body);
          break;
        case HandshakeType.server_key_exchange: {
          const kx = opts.keyExchangeOf(serverHello.cipherSuite);
          if (kx) flight.serverKeyExchange = parseServerKeyExchange(body, kx);
          break;
        }
        case HandshakeType.certificate_request:
          flight.certificateRequest = parseCertificateRequest(body, serverHello.selectedVersion);
          break;
        case HandshakeType.server_hello_done:
          flight.complete = true;
          finish({ kind: 'hello', serverHello, flight });
          return true;
      }
      return false;
    };

    const readSslv2 = () => {
      const record = records.nextSslv2Record();
      if (!record) return;
      const type = record.body[0];
      if (type === 4) finish({ kind: 'sslv2', serverHello: parseSslv2ServerHello(record.body.subarray(0, record.body.length - record.padding)) });
      else if (type === 0) {
        const e = parseSslv2Error(record.body);
        finish({ kind: 'sslv2_error', code: e.code, name: e.name });
      } else finish({ kind: 'malformed', message: `unexpected SSLv2 message type ${type}` });
    };

    socket.on('data', onData);
    socket.once('error', (err: NodeJS.ErrnoException) => finish(partial() ?? { kind: 'closed', reset: err.code === 'ECONNRESET' || err.code === 'EPIPE' }));
    socket.once('close', () => finish(partial() ?? { kind: 'closed', reset: false }));
    socket.resume();
    socket.write(hello);

    function partial(): ProbeAnswer | null {
      return serverHello ? { kind: 'hello', serverHello, flight } : null;
    }
  });
}
