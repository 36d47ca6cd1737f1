/**
 * PackStream (Bolt's binary values), the subset a Bolt peer for tests needs: null, booleans,
 * integers, floats, strings, bytes, lists, maps and structures. Integers decode to numbers when
 * they are safe, else to bigint; numbers encode as integers when whole, else as floats.
 */

/** A PackStream structure: a signature byte and its fields (every Bolt message is one). */
export class Structure {
  constructor(
    readonly signature: number,
    readonly fields: PackValue[],
  ) {}
}

export type PackValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | Structure
  | PackValue[]
  | { [key: string]: PackValue };

export class Unpacker {
  private offset = 0;

  constructor(private readonly buffer: Buffer) {}

  get done(): boolean {
    return this.offset >= this.buffer.length;
  }

  unpack(): PackValue {
    const marker = this.byte();
    if (marker < 0x80) return marker; // tiny int 0..127
    if (marker >= 0xf0) return marker - 0x100; // tiny int -16..-1
    const high = marker & 0xf0;
    const low = marker & 0x0f;
    if (high === 0x80) return this.string(low);
    if (high === 0x90) return this.list(low);
    if (high === 0xa0) return this.map(low);
    if (high === 0xb0) return this.structure(low);
    switch (marker) {
      case 0xc0: return null;
      case 0xc1: return this.read(8).readDoubleBE(0);
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc8: return this.read(1).readInt8(0);
      case 0xc9: return this.read(2).readInt16BE(0);
      case 0xca: return this.read(4).readInt32BE(0);
      case 0xcb: {
        const value = this.read(8).readBigInt64BE(0);
        return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
      }
      case 0xcc: return new Uint8Array(this.read(this.read(1).readUInt8(0)));
      case 0xcd: return new Uint8Array(this.read(this.read(2).readUInt16BE(0)));
      case 0xce: return new Uint8Array(this.read(this.read(4).readUInt32BE(0)));
      case 0xd0: return this.string(this.read(1).readUInt8(0));
      case 0xd1: return this.string(this.read(2).readUInt16BE(0));
      case 0xd2: return this.string(this.read(4).readUInt32BE(0));
      case 0xd4: return this.list(this.read(1).readUInt8(0));
      case 0xd5: return this.list(this.read(2).readUInt16BE(0));
      case 0xd6: return this.list(this.read(4).readUInt32BE(0));
      case 0xd8: return this.map(this.read(1).readUInt8(0));
      case 0xd9: return this.map(this.read(2).readUInt16BE(0));
      case 0xda: return this.map(this.read(4).readUInt32BE(0));
      default: throw new Error(`PackStream: unknown marker 0x${marker.toString(16)}`);
    }
  }

  private byte(): number {
    return this.read(1).readUInt8(0);
  }

  private read(length: number): Buffer {
    if (this.offset + length > this.buffer.length) throw new Error('PackStream: value runs past the message');
    const slice = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  private string(length: number): string {
    return this.read(length).toString('utf8');
  }

  private list(length: number): PackValue[] {
    return Array.from({ length }, () => this.unpack());
  }

  private map(length: number): { [key: string]: PackValue } {
    const map: { [key: string]: PackValue } = {};
    for (let i = 0; i < length; i++) {
      const key = this.unpack();
      if (typeof key !== 'string') throw new Error('PackStream: a map key is not a string');
      map[key] = this.unpack();
    }
    return map;
  }

  private structure(size: number): Structure {
    const signature = this.byte();
    return new Structure(signature, Array.from({ length: size }, () => this.unpack()));
  }
}

function sized(length: number, tiny: number, markers: [number, number, number], tinyMax = 15): Buffer {
  if (length <= tinyMax) return Buffer.from([tiny | length]);
  if (length < 0x100) return Buffer.from([markers[0], length]);
  if (length < 0x10000) return Buffer.from([markers[1], length >> 8, length & 0xff]);
  const header = Buffer.alloc(5);
  header[0] = markers[2];
  header.writeUInt32BE(length, 1);
  return header;
}

function packInteger(value: bigint): Buffer {
  if (value >= -16n && value < 128n) return Buffer.from([Number(value) & 0xff]);
  if (value >= -128n && value < 128n) return Buffer.from([0xc8, Number(value) & 0xff]);
  const n = Number(value);
  if (value >= -32_768n && value < 32_768n) {
    const b = Buffer.alloc(3);
    b[0] = 0xc9;
    b.writeInt16BE(n, 1);
    return b;
  }
  if (value >= -2_147_483_648n && value < 2_147_483_648n) {
    const b = Buffer.alloc(5);
    b[0] = 0xca;
    b.writeInt32BE(n, 1);
    return b;
  }
  const b = Buffer.alloc(9);
  b[0] = 0xcb;
  b.writeBigInt64BE(value, 1);
  return b;
}

export function pack(value: PackValue): Buffer {
  if (value === null) return Buffer.from([0xc0]);
  if (value === true) return Buffer.from([0xc3]);
  if (value === false) return Buffer.from([0xc2]);
  if (typeof value === 'bigint') return packInteger(value);
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return packInteger(BigInt(value));
    const b = Buffer.alloc(9);
    b[0] = 0xc1;
    b.writeDoubleBE(value, 1);
    return b;
  }
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([sized(bytes.length, 0x80, [0xd0, 0xd1, 0xd2]), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([sized(value.length, 0xcc, [0xcc, 0xcd, 0xce], -1), value]);
  if (value instanceof Structure) {
    return Buffer.concat([Buffer.from([0xb0 | value.fields.length, value.signature]), ...value.fields.map(pack)]);
  }
  if (Array.isArray(value)) return Buffer.concat([sized(value.length, 0x90, [0xd4, 0xd5, 0xd6]), ...value.map(pack)]);
  const entries = Object.entries(value);
  return Buffer.concat([
    sized(entries.length, 0xa0, [0xd8, 0xd9, 0xda]),
    ...entries.flatMap(([key, item]) => [pack(key), pack(item)]),
  ]);
}
