/**
 * The entries of a .xlsx file (a zip archive), read with node:zlib alone: the central directory
 * says where each entry lies; an entry is inflated only when asked for, and never past a cap on its
 * size and on its compression ratio, so a zip bomb is refused before it fills the memory.
 */
import { Readable } from 'node:stream';
import { createInflateRaw, inflateRawSync } from 'node:zlib';
import { SourceError } from './source-limits.ts';

/** The most one entry may inflate to (a province's ledger sheet is a few MB of XML). */
export const MAX_ENTRY_BYTES = 64 * 1024 * 1024;
/** The most all entries read from one workbook may inflate to together. */
export const MAX_TOTAL_BYTES = 128 * 1024 * 1024;
/** Spreadsheet XML compresses up to about 30 to 1; a zip bomb, about 1,000 to 1. */
export const MAX_RATIO = 100;
/** Below this an entry may compress as well as it likes (a sheet of empty styled cells). */
const RATIO_FLOOR_BYTES = 1024 * 1024;

interface Entry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

export class ZipEntries {
  private readonly entries = new Map<string, Entry>();
  private inflated = 0;

  /** `file`: the workbook's name, as the office knows it, for the messages. */
  constructor(
    private readonly bytes: Buffer,
    private readonly file: string,
  ) {
    this.readCentralDirectory();
  }

  has(name: string): boolean {
    return this.entries.has(name.toLowerCase());
  }

  /** The entry's bytes, inflated within the caps; undefined when the archive has no such entry. */
  read(name: string): Buffer | undefined {
    const entry = this.entries.get(name.toLowerCase());
    if (!entry) return undefined;
    const limit = this.limitOf(entry);
    const data = this.compressedData(entry);
    if (entry.method === 0) {
      this.count(entry, data.length);
      return data;
    }
    let out: Buffer;
    try {
      out = inflateRawSync(data, { maxOutputLength: limit });
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') this.tooLarge(entry);
      this.corrupt();
    }
    this.count(entry, out.length);
    return out;
  }

  /**
   * The entry inflated piece by piece, never held whole: for counting what a sheet holds before
   * reading it. Stops (and frees the inflater) when `each` returns false.
   */
  async stream(name: string, each: (chunk: Buffer) => boolean): Promise<void> {
    const entry = this.entries.get(name.toLowerCase());
    if (!entry) return;
    const limit = this.limitOf(entry);
    const data = this.compressedData(entry);
    let seen = 0;
    const pieces = entry.method === 0 ? Readable.from([data]) : Readable.from([data]).pipe(createInflateRaw());
    try {
      for await (const chunk of pieces as AsyncIterable<Buffer>) {
        seen += chunk.length;
        if (seen > limit) this.tooLarge(entry);
        if (!each(chunk)) break;
      }
    } catch (error) {
      if (error instanceof SourceError) throw error;
      this.corrupt();
    } finally {
      pieces.destroy();
    }
  }

  private limitOf(entry: Entry): number {
    const byRatio = Math.max(RATIO_FLOOR_BYTES, entry.compressedSize * MAX_RATIO);
    const limit = Math.min(MAX_ENTRY_BYTES, byRatio, MAX_TOTAL_BYTES - this.inflated);
    // The sizes the archive declares are checked first; the inflater is held to the limit anyway.
    if (entry.size > limit) this.tooLarge(entry);
    return limit;
  }

  private count(entry: Entry, length: number): void {
    this.inflated += length;
    if (length > MAX_ENTRY_BYTES || this.inflated > MAX_TOTAL_BYTES) this.tooLarge(entry);
  }

  private compressedData(entry: Entry): Buffer {
    const at = entry.localOffset;
    if (entry.flags & 1) throw new SourceError(`无法读取工作簿“${this.file}”：文件设有密码保护。请在 Excel 中取消密码后另存为 .xlsx 再导入`);
    if (entry.method !== 0 && entry.method !== 8) this.corrupt();
    if (at + 30 > this.bytes.length || this.bytes.readUInt32LE(at) !== 0x04034b50) this.corrupt();
    const start = at + 30 + this.bytes.readUInt16LE(at + 26) + this.bytes.readUInt16LE(at + 28);
    const end = start + entry.compressedSize;
    if (end > this.bytes.length) this.corrupt();
    return this.bytes.subarray(start, end);
  }

  private readCentralDirectory(): void {
    const bytes = this.bytes;
    // An encrypted workbook, or one saved as the old .xls, is an OLE compound file, not a zip.
    if (bytes.length >= 4 && bytes.readUInt32LE(0) === 0xe011cfd0) {
      throw new SourceError(`无法读取工作簿“${this.file}”：文件设有密码保护或是旧版 .xls 格式。请在 Excel 中取消密码并另存为 .xlsx 后再导入`);
    }
    let eocd = -1;
    for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
      if (bytes.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) this.corrupt();
    let count = bytes.readUInt16LE(eocd + 10);
    let offset = bytes.readUInt32LE(eocd + 16);
    // Zip64: the counts and offsets live in a record the locator just before points to.
    if ((count === 0xffff || offset === 0xffffffff) && eocd >= 20 && bytes.readUInt32LE(eocd - 20) === 0x07064b50) {
      const record = Number(bytes.readBigUInt64LE(eocd - 12));
      if (record + 56 > bytes.length || bytes.readUInt32LE(record) !== 0x06064b50) this.corrupt();
      count = Number(bytes.readBigUInt64LE(record + 32));
      offset = Number(bytes.readBigUInt64LE(record + 48));
    }
    for (let i = 0; i < count; i++) {
      if (offset + 46 > bytes.length || bytes.readUInt32LE(offset) !== 0x02014b50) this.corrupt();
      const nameLength = bytes.readUInt16LE(offset + 28);
      const extraLength = bytes.readUInt16LE(offset + 30);
      const commentLength = bytes.readUInt16LE(offset + 32);
      const entry: Entry = {
        name: bytes.toString('utf8', offset + 46, offset + 46 + nameLength).replace(/\\/g, '/').replace(/^\//, ''),
        flags: bytes.readUInt16LE(offset + 8),
        method: bytes.readUInt16LE(offset + 10),
        compressedSize: bytes.readUInt32LE(offset + 20),
        size: bytes.readUInt32LE(offset + 24),
        localOffset: bytes.readUInt32LE(offset + 42),
      };
      this.readZip64Extra(entry, bytes.subarray(offset + 46 + nameLength, offset + 46 + nameLength + extraLength));
      this.entries.set(entry.name.toLowerCase(), entry);
      offset += 46 + nameLength + extraLength + commentLength;
    }
  }

  /** Sizes and offsets too big for 32 bits (some writers always use this form) sit in the extra field. */
  private readZip64Extra(entry: Entry, extra: Buffer): void {
    for (let at = 0; at + 4 <= extra.length; ) {
      const id = extra.readUInt16LE(at);
      const length = extra.readUInt16LE(at + 2);
      if (id === 0x0001) {
        let field = at + 4;
        const next = () => {
          if (field + 8 > at + 4 + length) this.corrupt();
          const value = Number(extra.readBigUInt64LE(field));
          field += 8;
          return value;
        };
        if (entry.size === 0xffffffff) entry.size = next();
        if (entry.compressedSize === 0xffffffff) entry.compressedSize = next();
        if (entry.localOffset === 0xffffffff) entry.localOffset = next();
        return;
      }
      at += 4 + length;
    }
  }

  corrupt(): never {
    throw new SourceError(`无法读取工作簿“${this.file}”：文件已损坏或不是 .xlsx 格式。请在 Excel 中打开后另存为 .xlsx 再导入`);
  }

  private tooLarge(entry: Entry): never {
    throw new SourceError(
      `无法读取工作簿“${this.file}”：其中的“${entry.name}”解压后超过 ${MAX_ENTRY_BYTES / 1024 / 1024} MB 或压缩比异常（疑似压缩炸弹），已拒绝读取。请删去无关的工作表、图片和空行，在 Excel 中另存为 .xlsx 后再导入`,
    );
  }
}
