import fc from 'fast-check';
import { buildHandshakeMessage, buildRecords } from '../../../../src/tls/wire/client-hello.js';
import { TlsParseError } from '../../../../src/tls/wire/errors.js';
import { HandshakeReassembler, TlsRecordReader, type TlsRecord } from '../../../../src/tls/wire/records.js';
import { onlyTlsParseError } from './helpers.js';

const ERROR_CODES = ['truncated', 'malformed', 'too_large', 'unexpected'];
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function errorOf(fn: () => unknown): TlsParseError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TlsParseError) return err;
    throw err;
  }
  throw new Error('expected a TlsParseError');
}

function drainRecords(reader: TlsRecordReader): TlsRecord[] {
  const out: TlsRecord[] = [];
  for (let r = reader.nextRecord(); r !== null; r = reader.nextRecord()) out.push(r);
  return out;
}

describe('TlsRecordReader', () => {
  it('returns records as they complete', () => {
    const reader = new TlsRecordReader();
    expect(reader.framing()).toBeNull();
    expect(reader.nextRecord()).toBeNull();
    reader.push(hex('15 0303 0002 02'));
    expect(reader.framing()).toBe('tls');
    expect(reader.nextRecord()).toBeNull();
    reader.push(hex('28 16 0303 0001 0e 17 03'));
    expect(drainRecords(reader)).toEqual([
      { contentType: 21, version: 0x0303, fragment: hex('0228') },
      { contentType: 22, version: 0x0303, fragment: hex('0e') },
    ]);
    expect(reader.buffered).toBe(2);
    expect(reader.takeBuffered()).toEqual(hex('1703'));
    expect(reader.buffered).toBe(0);
  });

  it('accepts an empty record and every TLS content type', () => {
    const reader = new TlsRecordReader();
    for (const type of [20, 21, 22, 23, 24]) reader.push(buildRecords(type, 0x0303, new Uint8Array(type === 23 ? 0 : 1)));
    expect(drainRecords(reader).map((r) => [r.contentType, r.fragment.length])).toEqual([
      [20, 1],
      [21, 1],
      [22, 1],
      [23, 0],
      [24, 1],
    ]);
  });

  it('rejects a non-TLS reply from its first byte, stickily', () => {
    const reader = new TlsRecordReader();
    reader.push(Buffer.from('<'));
    const err = errorOf(() => reader.nextRecord());
    expect(err.code).toBe('malformed');
    expect(err.message).toMatch(/content type 60/);
    expect(errorOf(() => reader.push(Buffer.from('stream:stream'))).code).toBe('malformed');
    const http = new TlsRecordReader();
    http.push(Buffer.from('HTTP/1.1 400 Bad Request'));
    expect(errorOf(() => http.nextRecord()).code).toBe('malformed');
  });

  it('rejects a record longer than 16384 + 2048 bytes', () => {
    const reader = new TlsRecordReader();
    reader.push(hex('17 0303 4801'));
    expect(errorOf(() => reader.nextRecord()).code).toBe('malformed');
    const ok = new TlsRecordReader();
    ok.push(hex('17 0303 4800'));
    expect(ok.nextRecord()).toBeNull();
  });

  it("caps buffered bytes ('too_large')", () => {
    const reader = new TlsRecordReader({ maxBuffered: 100 });
    reader.push(Buffer.alloc(60, 0x17));
    expect(errorOf(() => reader.push(Buffer.alloc(41))).code).toBe('too_large');
    expect(errorOf(() => reader.nextRecord()).code).toBe('too_large');
    const def = new TlsRecordReader();
    expect(errorOf(() => def.push(Buffer.alloc(256 * 1024 + 1, 0x16))).code).toBe('too_large');
  });

  it('detects an SSLv2-framed reply and reads 2- and 3-byte-header records', () => {
    const reader = new TlsRecordReader();
    reader.push(hex('80'));
    expect(reader.isSslv2()).toBe(true);
    expect(reader.nextSslv2Record()).toBeNull();
    reader.push(hex('03 00 00'));
    expect(errorOf(() => reader.nextRecord()).code).toBe('unexpected');
    expect(reader.nextSslv2Record()).toBeNull();
    reader.push(hex('01 00 05 02 aabbcc 1111'));
    expect(reader.nextSslv2Record()).toEqual({ body: hex('000001'), padding: 0, headerLength: 2 });
    expect(reader.nextSslv2Record()).toEqual({ body: hex('aabbcc1111'), padding: 2, headerLength: 3 });
    expect(reader.nextSslv2Record()).toBeNull();

    const tls = new TlsRecordReader();
    tls.push(hex('16'));
    expect(errorOf(() => tls.nextSslv2Record()).code).toBe('unexpected');
  });

  it('rejects SSLv2 records that are empty or have more padding than bytes', () => {
    const empty = new TlsRecordReader();
    empty.push(hex('8000'));
    expect(errorOf(() => empty.nextSslv2Record()).code).toBe('malformed');
    const padded = new TlsRecordReader();
    padded.push(hex('80 02 00 00'));
    padded.nextSslv2Record();
    padded.push(hex('00 02 03 aabb'));
    expect(errorOf(() => padded.nextSslv2Record()).code).toBe('malformed');
  });

  it('gives the same records for any split of a valid stream', () => {
    const record = fc.record({
      type: fc.constantFrom(20, 21, 22, 23, 24),
      version: fc.constantFrom(0x0300, 0x0301, 0x0303),
      fragment: fc.uint8Array({ maxLength: 300 }),
    });
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1 }), (records, sizes) => {
        const stream = Buffer.concat(records.map((r) => buildRecords(r.type, r.version, r.fragment, 0xffff)));
        const reader = new TlsRecordReader();
        const got: TlsRecord[] = [];
        for (let off = 0, i = 0; off < stream.length; i++) {
          const size = sizes[i % sizes.length]!;
          reader.push(stream.subarray(off, off + size));
          off += size;
          got.push(...drainRecords(reader));
        }
        expect(got.map((r) => [r.contentType, r.version, r.fragment.toString('hex')])).toEqual(
          records.map((r) => [r.type, r.version, Buffer.from(r.fragment).toString('hex')]),
        );
      }),
    );
  });

  it('on random bytes in random chunks, yields records or a TlsParseError, and stops', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.integer({ min: 1, max: 64 }), (bytes, chunk) => {
        const reader = new TlsRecordReader({ maxBuffered: 1500 });
        const hs = new HandshakeReassembler({ maxMessageSize: 500, maxBuffered: 1000 });
        const err = onlyTlsParseError(() => {
          for (let off = 0; off < bytes.length; off += chunk) {
            reader.push(bytes.subarray(off, off + chunk));
            if (reader.isSslv2()) {
              while (reader.nextSslv2Record() !== null);
            } else {
              for (let r = reader.nextRecord(); r !== null; r = reader.nextRecord()) {
                if (r.contentType === 22) {
                  hs.push(r.fragment);
                  hs.drain();
                }
              }
            }
          }
        });
        expect(err === null || ERROR_CODES.includes(err.code)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('HandshakeReassembler', () => {
  const m1 = buildHandshakeMessage(2, Buffer.alloc(70, 1));
  const m2 = buildHandshakeMessage(11, Buffer.alloc(300, 2));
  const m3 = buildHandshakeMessage(14, new Uint8Array(0));

  it('yields several messages from one fragment', () => {
    const hs = new HandshakeReassembler();
    hs.push(Buffer.concat([m1, m2, m3]));
    const msgs = hs.drain();
    expect(msgs.map((m) => [m.type, m.body.length])).toEqual([
      [2, 70],
      [11, 300],
      [14, 0],
    ]);
    expect(msgs[1]!.raw).toEqual(m2);
    expect(msgs[1]!.body).toEqual(Buffer.alloc(300, 2));
    expect(hs.hasPartial).toBe(false);
  });

  it('yields a message split across fragments only once complete', () => {
    const hs = new HandshakeReassembler();
    hs.push(m2.subarray(0, 2));
    expect(hs.next()).toBeNull();
    hs.push(m2.subarray(2, 100));
    expect(hs.next()).toBeNull();
    expect(hs.hasPartial).toBe(true);
    hs.push(m2.subarray(100));
    expect(hs.next()?.raw).toEqual(m2);
    expect(hs.next()).toBeNull();
  });

  it('allows Certificate messages up to 128 KiB and others up to 64 KiB', () => {
    const cert = new HandshakeReassembler();
    cert.push(buildHandshakeMessage(11, Buffer.alloc(128 * 1024)));
    expect(cert.next()?.body).toHaveLength(128 * 1024);

    const bigCert = new HandshakeReassembler();
    bigCert.push(hex('0b 020001'));
    expect(errorOf(() => bigCert.next()).code).toBe('too_large');
    expect(errorOf(() => bigCert.push(hex('00'))).code).toBe('too_large');

    const other = new HandshakeReassembler();
    other.push(hex('0c 010001'));
    expect(errorOf(() => other.next()).code).toBe('too_large');
    const atLimit = new HandshakeReassembler();
    atLimit.push(hex('0c 010000'));
    expect(atLimit.next()).toBeNull();
  });

  it('caps buffered bytes', () => {
    const hs = new HandshakeReassembler({ maxBuffered: 10 });
    hs.push(Buffer.alloc(10));
    expect(errorOf(() => hs.push(Buffer.alloc(1))).code).toBe('too_large');
  });

  it('gives the same messages for any fragmentation', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ type: fc.integer({ min: 0, max: 255 }), body: fc.uint8Array({ maxLength: 200 }) }), { maxLength: 6 }),
        fc.integer({ min: 1, max: 300 }),
        (msgs, size) => {
          const payload = Buffer.concat(msgs.map((m) => buildHandshakeMessage(m.type, m.body)));
          const hs = new HandshakeReassembler();
          const got: string[] = [];
          for (let off = 0; off < payload.length; off += size) {
            hs.push(payload.subarray(off, off + size));
            got.push(...hs.drain().map((m) => `${m.type}:${m.body.toString('hex')}`));
          }
          expect(got).toEqual(msgs.map((m) => `${m.type}:${Buffer.from(m.body).toString('hex')}`));
          expect(hs.hasPartial).toBe(false);
        },
      ),
    );
  });
});
