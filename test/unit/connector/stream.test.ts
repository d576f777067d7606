import { Duplex } from 'node:stream';
import { type PhaseDeadline, XmppStream, deadlineIn, streamHeader } from '../../../src/connector/stream.js';
import { ScanError } from '../../../src/result/errors.js';
import type { StreamEvent } from '../../../src/connector/xml-stream.js';

// The one XMPP stream layer, over an in-memory socket: what the server "sends" is pushed into
// the readable side, what we write is collected.

const PEER = 'xmpp.example.org (192.0.2.10) port 5222';
const HEADER = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.org' version='1.0'>";
const FEATURES = "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>";

class FakeSocket extends Duplex {
  written = '';
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.written += chunk.toString();
    done();
  }
  override _final(done: (err?: Error | null) => void): void {
    done();
    // The server closes in kind.
    setImmediate(() => this.destroy());
  }
  serverSends(text: string | Buffer): void {
    this.push(text);
  }
}

/** A deadline already past: a wait with it gives what is queued, else times out at once. */
const PAST: PhaseDeadline = { at: 0, ms: 10_000 };
const LATER = () => deadlineIn(60_000);

function setup(): { socket: FakeSocket; stream: XmppStream } {
  const socket = new FakeSocket();
  return { socket, stream: new XmppStream(socket, PEER) };
}

async function failure(p: Promise<unknown>): Promise<ScanError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ScanError);
  return err as ScanError;
}

describe('streamHeader', () => {
  it.each([
    ['c2s, no from', { mode: 'c2s' as const, to: 'example.org' }, "xmlns='jabber:client'", ["to='example.org'"], ['from=', 'xmlns:db']],
    [
      'c2s with the account as from',
      { mode: 'c2s' as const, to: 'example.org', from: 'bot@example.org' },
      "xmlns='jabber:client'",
      ["from='bot@example.org'"],
      ['xmlns:db'],
    ],
    [
      's2s: dialback namespace and our domain',
      { mode: 's2s' as const, to: 'example.org', from: 'scanner.test' },
      "xmlns='jabber:server'",
      ["xmlns:db='jabber:server:dialback'", "from='scanner.test'"],
      [],
    ],
    ['escaped values', { mode: 'c2s' as const, to: "a'b<c", from: '&' }, "xmlns='jabber:client'", ["to='a&apos;b&lt;c'", "from='&amp;'"], []],
  ])('%s', (_name, opts, ns, present, absent) => {
    const header = streamHeader(opts);
    expect(header.startsWith("<?xml version='1.0'?><stream:stream ")).toBe(true);
    expect(header).toContain(ns);
    expect(header).toContain("version='1.0'");
    for (const p of present) expect(header).toContain(p);
    for (const a of absent) expect(header).not.toContain(a);
  });
});

describe('XmppStream.next', () => {
  it('hands out the header and whole elements, however the bytes are cut', async () => {
    const { socket, stream } = setup();
    for (const ch of HEADER + FEATURES) socket.serverSends(ch);
    const open = await stream.next({ phase: 'stream_header', what: 'stream header', deadline: LATER() });
    expect(open).toMatchObject({ type: 'open', attrs: { from: 'example.org', version: '1.0' } });
    const features = await stream.next({ phase: 'features', what: 'features', deadline: LATER() });
    expect(features.type === 'element' && features.element.name).toBe('features');
  });

  it('a deadline is a total for the phase: events still queued are handed out, then bytes that trickle in do not extend it', async () => {
    const { socket, stream } = setup();
    socket.serverSends(HEADER);
    expect((await stream.next({ phase: 'stream_header', what: 'stream header', deadline: PAST })).type).toBe('open');
    socket.serverSends('<stream:features>'); // an element that never completes
    const err = await failure(stream.next({ phase: 'features', what: '<stream:features/>', deadline: PAST }));
    expect(err.toJSON()).toEqual({ code: 'timeout', message: `no <stream:features/> from ${PEER} within 10 s`, phase: 'features', deadline: 'phase' });
  });

  it.each<[string, (s: FakeSocket) => void, object]>([
    [
      'the server closes the connection',
      (s) => s.push(null),
      { code: 'connection_closed', phase: 'features', message: `${PEER} closed the connection while we waited for features` },
    ],
    [
      'a TLS record where XML was expected',
      (s) => s.serverSends(Buffer.from([0x16, 0x03, 0x03, 0x00, 0x5a, 0x02])),
      { code: 'not_xml', phase: 'features', message: expect.stringContaining('direct-TLS port') },
    ],
    [
      'a DOCTYPE',
      (s) => s.serverSends(`<!DOCTYPE x>${HEADER}`),
      { code: 'protocol_violation', phase: 'features', message: expect.stringContaining('DOCTYPE') },
    ],
    [
      'a reset',
      (s) => s.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })),
      { code: 'connection_reset', phase: 'features', message: `${PEER} reset the connection` },
    ],
  ])('%s: a typed error in the phase waited in', async (_name, act, expected) => {
    const { socket, stream } = setup();
    const waiting = stream.next({ phase: 'features', what: 'features', deadline: LATER() });
    act(socket);
    expect((await failure(waiting)).toJSON()).toMatchObject(expected);
  });

  it('without a phase (the XEP-0092 client), errors carry none', async () => {
    const { socket, stream } = setup();
    const waiting = stream.next({ what: 'the SASL outcome', deadline: LATER() });
    socket.push(null);
    expect((await failure(waiting)).toJSON()).toEqual({
      code: 'connection_closed',
      message: `${PEER} closed the connection while we waited for the SASL outcome`,
    });
  });

  it('a broken stream stays broken, and the socket is destroyed at once', async () => {
    const { socket, stream } = setup();
    socket.serverSends('not xml at all');
    await failure(stream.next({ phase: 'stream_header', what: 'stream header', deadline: LATER() }));
    expect(socket.destroyed).toBe(true);
    expect((await failure(stream.next({ phase: 'features', what: 'features', deadline: LATER() }))).code).toBe('not_xml');
  });

  it('restart() begins a new document (after STARTTLS or SASL success)', async () => {
    const { socket, stream } = setup();
    socket.serverSends(HEADER + FEATURES);
    await stream.next({ what: 'header', deadline: LATER() });
    await stream.next({ what: 'features', deadline: LATER() });
    stream.restart();
    socket.serverSends(HEADER);
    expect((await stream.next({ what: 'header', deadline: LATER() })).type).toBe('open');
  });
});

describe('XmppStream.listen', () => {
  it('gives queued events first, then each later one, then the end', async () => {
    const { socket, stream } = setup();
    socket.serverSends(HEADER + FEATURES);
    await stream.next({ what: 'header', deadline: LATER() });
    await new Promise((r) => setImmediate(r));
    const seen: StreamEvent['type'][] = [];
    const ended = new Promise<ScanError | null>((resolve) => stream.listen((ev) => seen.push(ev.type), resolve));
    expect(seen).toEqual(['element']);
    socket.serverSends("<iq type='get' id='1'/></stream:stream>");
    socket.push(null);
    expect(await ended).toBeNull();
    expect(seen).toEqual(['element', 'element', 'close']);
  });

  it('the end carries the failure that caused it', async () => {
    const { socket, stream } = setup();
    const ended = new Promise<ScanError | null>((resolve) => stream.listen(() => {}, resolve));
    socket.serverSends('<<<');
    expect((await ended)?.code).toBe('not_xml');
  });
});

describe('XmppStream.detach and close', () => {
  it('detach() stops reading: later bytes stay in the socket for the next owner (TLS)', async () => {
    const { socket, stream } = setup();
    socket.serverSends(HEADER);
    await stream.next({ what: 'header', deadline: LATER() });
    stream.detach();
    socket.serverSends('\x16\x03\x03');
    expect(socket.isPaused()).toBe(true);
    expect(socket.read()?.toString('latin1')).toBe('\x16\x03\x03');
  });

  it('close() ends our stream politely and resolves once the socket is closed', async () => {
    const { socket, stream } = setup();
    stream.send('<presence/>');
    await stream.close(60_000);
    expect(socket.written).toBe('<presence/></stream:stream>');
    expect(socket.destroyed).toBe(true);
  });
});
