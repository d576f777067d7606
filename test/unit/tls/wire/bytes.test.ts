import { ByteQueue, ByteReader, ByteWriter } from '../../../../src/tls/wire/bytes.js';
import { TlsParseError } from '../../../../src/tls/wire/errors.js';

describe('ByteWriter', () => {
  it('writes big-endian integers and length-prefixed vectors', () => {
    const out = new ByteWriter()
      .u8(1)
      .u16(0x0203)
      .u24(0x040506)
      .u32(0x0708090a)
      .vec8(Uint8Array.of(0xaa))
      .vec16((w) => w.u8(0xbb).vec24(Uint8Array.of(0xcc, 0xdd)))
      .toBuffer();
    expect(out.toString('hex')).toBe('01' + '0203' + '040506' + '0708090a' + '01aa' + '0006' + 'bb' + '000002ccdd');
  });

  it('throws RangeError for values and vectors that do not fit', () => {
    expect(() => new ByteWriter().u8(256)).toThrow(RangeError);
    expect(() => new ByteWriter().u16(-1)).toThrow(RangeError);
    expect(() => new ByteWriter().u24(1.5)).toThrow(RangeError);
    expect(() => new ByteWriter().vec8(new Uint8Array(256))).toThrow(RangeError);
    expect(() => new ByteWriter().vec16(new Uint8Array(65536))).toThrow(RangeError);
    expect(new ByteWriter().vec16(new Uint8Array(65535)).length).toBe(65537);
  });
});

describe('ByteReader', () => {
  it('reads fields and vectors, copying bytes out', () => {
    const src = Buffer.from('0102030405060002aabb03ccddee', 'hex');
    const r = new ByteReader(src, 'Test');
    expect([r.u8(), r.u16(), r.u24()]).toEqual([1, 0x0203, 0x040506]);
    const v = r.vec16();
    expect(v.toString('hex')).toBe('aabb');
    src[8] = 0; // the vector is a copy
    expect(v.toString('hex')).toBe('aabb');
    const sub = r.sub8('inner');
    expect(sub.u16List(2)).toEqual([0xccdd]);
    expect(sub.remaining).toBe(1);
    expect(() => sub.end()).toThrow(TlsParseError);
    expect(r.remaining).toBe(0);
    r.end();
  });

  it('names the field and the shortfall when truncated', () => {
    const r = new ByteReader(Buffer.from('0005aa', 'hex'), 'ServerHello');
    try {
      r.vec16('session_id');
      throw new Error('no error');
    } catch (err) {
      expect(err).toBeInstanceOf(TlsParseError);
      expect((err as TlsParseError).code).toBe('truncated');
      expect((err as TlsParseError).message).toBe('ServerHello: session_id needs 5 byte(s), only 1 left');
    }
    expect(() => new ByteReader(Uint8Array.of(0, 1, 2)).u16List(3)).toThrow(/odd/);
  });
});

describe('ByteQueue', () => {
  it('keeps FIFO order across compaction and growth, and enforces its cap', () => {
    const q = new ByteQueue(10_000, 'test');
    const expected: number[] = [];
    let next = 0;
    for (let round = 0; round < 200; round++) {
      const chunk = Uint8Array.from({ length: (round * 7) % 53 }, () => next++ & 0xff);
      q.push(chunk);
      expected.push(...chunk);
      const take = Math.min(q.length, (round * 11) % 61);
      expect([...q.take(take)]).toEqual(expected.splice(0, take));
    }
    expect([...q.takeAll()]).toEqual(expected);
    expect(() => q.push(new Uint8Array(10_001))).toThrow(TlsParseError);
  });
});
