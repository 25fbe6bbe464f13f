/**
 * Response bodies as sources to copy from: Python's file object (`read`, `close`) plus one
 * `copyTo` contract, so that a copier never branches on what kind of source it holds.
 *
 * Four kinds: {@linkcode BytesSource} (bytes already in memory: a cached file, a listing),
 * {@linkcode FileSpanSource} (a span of an open file, with {@linkcode FileSource} the whole
 * file), {@linkcode SegmentsSource} (literal bytes and file spans in turn: a multi-range
 * answer) and {@linkcode StreamSource} (a `ReadableStream`, e.g. a transformed body). Anything
 * else with `read` and `close` is copied by {@linkcode copyBody}'s read loop.
 *
 * @example Copy any source to a writer
 * ```ts
 * import { BytesSource, copyBody, ScratchBuffer } from "./body_source.ts";
 * import { assertEquals } from "../deps.ts";
 * const chunks: Uint8Array[] = [];
 * const writer = { write: (p: Uint8Array) => Promise.resolve(chunks.push(p.slice())) };
 * await copyBody(new BytesSource(new TextEncoder().encode("hi")), writer, new ScratchBuffer());
 * assertEquals(new TextDecoder().decode(chunks[0]), "hi");
 * ```
 *
 * @module
 */
import { COPY_CHUNK_SIZE } from "../constants.ts";
import type { BodySegment } from "../protocol/multipart_byteranges.ts";
import { type BufferPool, copyBufferPool } from "./buffer_pool.ts";

/**
 * What a response body is copied from: Python's file object, here anything with `read` and
 * `close` (what `send_head` returns).
 */
export interface BodySource {
  /** Reads into `p`; the byte count, or null at the end. */
  read(p: Uint8Array): Promise<number | null>;
  /** Releases the source. */
  close(): void;
}

/** Where a body is copied to: `wfile`, or anything that takes bytes in order. */
export interface ByteWriter {
  /**
   * Takes `p`, resolving once `p` may be reused (the writer copied or sent it).
   *
   * @param p The bytes.
   */
  write(p: Uint8Array): Promise<unknown>;
  /**
   * Room for up to `length` bytes to be filled in place and then queued by `commit`, or null
   * (`wfile` offers its staging buffer: a small span is read straight into it).
   */
  reserve?(length: number): Uint8Array | null;
  /** Queues the first `n` bytes of the room `reserve` gave. */
  commit?(n: number): void;
}

/**
 * A {@linkcode BodySource} that copies itself to a writer in the way that suits it (one write
 * of bytes in memory, a file through a scratch buffer, stream chunks as they come).
 */
export interface CopyableSource extends BodySource {
  /**
   * Writes the rest of the source to `writer`, in order, one write at a time.
   *
   * @param writer Where to write.
   * @param scratch A buffer to read through, kept by the caller across copies.
   * @returns Resolves when the last write has resolved.
   */
  copyTo(writer: ByteWriter, scratch: ScratchBuffer): Promise<unknown>;
}

/**
 * The read buffer of one connection's copies: borrowed from a pool shared by the server when
 * a copy needs one, held while it runs, and given back by {@linkcode copyBody} when it ends, so
 * an idle connection holds none and a burst of large files reuses a few buffers.
 *
 * @example
 * ```ts
 * import { ScratchBuffer } from "./body_source.ts";
 * import { assert } from "../deps.ts";
 * const scratch = new ScratchBuffer();
 * const first = scratch.take(1024);
 * assert(scratch.take(512) === first); // Large enough: the same buffer.
 * ```
 */
export class ScratchBuffer {
  readonly #pool: BufferPool;
  #buffer: Uint8Array | null = null;

  /**
   * Creates a scratch buffer that holds nothing yet.
   *
   * @param pool Where buffers of up to its size are borrowed from.
   */
  constructor(pool: BufferPool = copyBufferPool) {
    this.#pool = pool;
  }

  /** True while a buffer is held (between a `take` and {@linkcode release}). */
  get holding(): boolean {
    return this.#buffer !== null;
  }

  /**
   * A buffer of at least `length` bytes: the held one, or (when it is smaller) one from the
   * pool, or a new one of exactly `length` bytes when the pool's are too small; then held.
   *
   * @param length The fewest bytes needed.
   * @returns The buffer (its contents are undefined).
   */
  take(length: number): Uint8Array {
    const buffer = this.#buffer;
    if (buffer !== null && buffer.length >= length) return buffer;
    this.release();
    return this.#buffer = length <= this.#pool.size ? this.#pool.take() : new Uint8Array(length);
  }

  /** Gives the held buffer back to the pool (no copy may still be reading into it). */
  release(): void {
    if (this.#buffer === null) return;
    this.#pool.give(this.#buffer);
    this.#buffer = null;
  }
}

/**
 * Whether `source` copies itself ({@linkcode CopyableSource}).
 *
 * @param source Any body source.
 * @returns True when it has `copyTo`.
 */
export function isCopyable(source: BodySource): source is CopyableSource {
  return typeof (source as Partial<CopyableSource>).copyTo === "function";
}

/**
 * Copies a source to a writer (Python's `shutil.copyfileobj`): by the source's own `copyTo`,
 * else by reading it through `scratch` in chunks of {@linkcode COPY_CHUNK_SIZE}. Each write
 * is awaited before the next read, so memory stays flat and a slow reader is never buffered
 * for. The source is not closed.
 *
 * @param source Where to read.
 * @param writer Where to write.
 * @param scratch The buffer a read loop goes through.
 * @returns Resolves when everything is written.
 */
export function copyBody(
  source: BodySource,
  writer: ByteWriter,
  scratch: ScratchBuffer,
): Promise<unknown> {
  const copied = isCopyable(source)
    ? source.copyTo(writer, scratch)
    : copyByReading(source, writer, scratch.take(COPY_CHUNK_SIZE));
  // A copy that borrowed the buffer gives it back when it ends; one that did not (bytes in
  // memory, a small file) costs nothing more.
  return scratch.holding ? copied.finally(() => scratch.release()) : copied;
}

/** The read loop of `copyfileobj`, through `buffer`. */
async function copyByReading(
  source: BodySource,
  writer: ByteWriter,
  buffer: Uint8Array,
): Promise<void> {
  while (true) {
    const n = await source.read(buffer);
    if (n === null || n === 0) return;
    await writer.write(buffer.subarray(0, n));
  }
}

/**
 * Bytes in memory (Python's `BytesIO`): a cached file, a rendered listing. Copied in one
 * write, so with the headers already queued they leave together.
 *
 * @example
 * ```ts
 * import { BytesSource } from "./body_source.ts";
 * import { assertEquals } from "../deps.ts";
 * const source = new BytesSource(new TextEncoder().encode("hi"));
 * const buffer = new Uint8Array(8);
 * assertEquals(await source.read(buffer), 2);
 * assertEquals(await source.read(buffer), null);
 * ```
 */
export class BytesSource implements CopyableSource {
  readonly #bytes: Uint8Array;
  #offset = 0;

  /**
   * Creates the source.
   *
   * @param bytes The content.
   */
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  /** The whole content (also the part already read). */
  get bytes(): Uint8Array {
    return this.#bytes;
  }

  /** Copies the next bytes into `p`. */
  read(p: Uint8Array): Promise<number | null> {
    if (this.#offset >= this.#bytes.length) return Promise.resolve(null);
    const n = Math.min(p.length, this.#bytes.length - this.#offset);
    p.set(this.#bytes.subarray(this.#offset, this.#offset + n));
    this.#offset += n;
    return Promise.resolve(n);
  }

  /** Writes the unread content in one write. */
  copyTo(writer: ByteWriter): Promise<unknown> {
    const offset = this.#offset;
    const bytes = this.#bytes;
    this.#offset = bytes.length;
    if (offset === 0) return writer.write(bytes);
    if (offset >= bytes.length) return Promise.resolve(0);
    return writer.write(bytes.subarray(offset));
  }

  /** Nothing to release. */
  close(): void {}
}

/**
 * A hold on an open file that other responses read at the same time (an entry of a server's
 * open-file cache): a reader reads only through `readAt`, which positions and reads in one
 * synchronous step (no other reader can move the file in between), and lets go with
 * `release` instead of closing it.
 */
export interface FileLease {
  /** The open file (never closed nor read directly by a reader). */
  readonly file: Deno.FsFile;
  /**
   * Reads into `p` from byte `position` of the file, synchronously.
   *
   * @param p Where the bytes go.
   * @param position The file offset of the first byte.
   * @returns The bytes read: fewer than asked only at the end of the file, 0 past it.
   */
  readAt(p: Uint8Array, position: number): number;
  /** Ends this hold on the file; called once. */
  release(): void;
}

/**
 * A file span up to this many bytes is copied by one synchronous read and one write (a
 * page-cache copy); the small-file cache holds files up to the same size.
 */
export const WHOLE_READ_BYTES = 64 * 1024;

/**
 * A synchronous file read slower than this (milliseconds) switches the rest of that file to
 * asynchronous reads: the disk is not serving from its cache, and the event loop must not wait.
 */
const SYNC_READ_LIMIT_MS = 2;

/**
 * `length` bytes of an open file from byte `start` (a byte range). The file is positioned at
 * `start` on the first read; a span from 0 reads from where the file stands (a freshly opened
 * file: its beginning). Reading stops after `length` bytes, so a body always matches the
 * `Content-Length` sent even if the file grows meanwhile.
 *
 * Reads are synchronous (a page-cache copy, without a hop through Deno's blocking-task pool)
 * while each takes under 2 ms; after a slower one (a cold or slow disk) the rest is read
 * asynchronously, so other connections are not held up. A span of a shared file
 * ({@linkcode FileSpanSource.shared}) positions the file before each read and reads only
 * synchronously, since other responses read the same file between its reads.
 *
 * @example Bytes 2 to 5 of a file
 * ```ts
 * import { FileSpanSource } from "./body_source.ts";
 * import { assertEquals } from "../deps.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "0123456789");
 * const source = new FileSpanSource(Deno.openSync(path), 2, 4);
 * assertEquals(new TextDecoder().decode(source.readAllSync()), "2345");
 * source.close();
 * await Deno.remove(path);
 * ```
 */
export class FileSpanSource implements CopyableSource {
  /** The open file. */
  readonly file: Deno.FsFile;
  /** The offset of the span's first byte. */
  readonly start: number;
  /** Bytes in the span. */
  readonly length: number;
  #remaining: number;
  #positioned: boolean;
  #readSync = true;
  /** Whether the file is shared ({@linkcode FileSpanSource.shared}). */
  #shared = false;
  /** The hold on the shared file until `close` releases it. */
  #lease: FileLease | null = null;

  /**
   * Creates the source (the file is closed by {@linkcode close}).
   *
   * @param file The open file.
   * @param start The offset of the first byte to send.
   * @param length Bytes to send.
   */
  constructor(file: Deno.FsFile, start: number, length: number) {
    this.file = file;
    this.start = start;
    this.length = length;
    this.#remaining = length;
    this.#positioned = start === 0;
  }

  /**
   * A span of a file other responses read too: positioned before each read, read only
   * synchronously, and `close` releases the lease instead of closing the file.
   *
   * @param lease The hold on the shared file.
   * @param start The offset of the first byte to send.
   * @param length Bytes to send.
   * @returns The source.
   */
  static shared(lease: FileLease, start: number, length: number): FileSpanSource {
    const source = new FileSpanSource(lease.file, start, length);
    source.#shared = true;
    source.#lease = lease;
    return source;
  }

  /** Reads the next bytes into `p`; null once `length` bytes were read or at end of file. */
  async read(p: Uint8Array): Promise<number | null> {
    if (this.#remaining <= 0) return null;
    if (this.#shared) return this.#readShared(p);
    if (!this.#positioned) this.#position();
    const target = p.length > this.#remaining ? p.subarray(0, this.#remaining) : p;
    let n: number | null;
    if (this.#readSync) {
      const started = performance.now();
      n = this.file.readSync(target);
      if (performance.now() - started > SYNC_READ_LIMIT_MS) this.#readSync = false;
    } else {
      n = await this.file.read(target);
    }
    if (n === null) return null;
    this.#remaining -= n;
    return n;
  }

  /**
   * Reads the rest of the (small) span at once, synchronously; shorter than asked when the
   * file ended first.
   */
  readAllSync(): Uint8Array {
    const out = new Uint8Array(Math.max(this.#remaining, 0));
    const offset = this.#readSyncInto(out);
    this.#remaining = 0;
    return offset === out.length ? out : out.subarray(0, offset);
  }

  /**
   * Writes the rest of the span: up to {@linkcode WHOLE_READ_BYTES} by one synchronous read
   * straight into the writer's room where it offers one (`wfile`'s staging buffer, behind the
   * head), else into `scratch` and one write (no buffer allocated per response: a byte range,
   * a small file not taken into a cache); more through `scratch` in chunks of up to
   * `COPY_CHUNK_SIZE`.
   */
  copyTo(writer: ByteWriter, scratch: ScratchBuffer): Promise<unknown> {
    const remaining = this.#remaining;
    if (remaining <= WHOLE_READ_BYTES) {
      if (remaining <= 0) return Promise.resolve(0);
      const room = writer.reserve?.(remaining) ?? null;
      if (room !== null) {
        // No buffer held across the write: many connections answering in one turn of the
        // event loop would otherwise each take (and allocate) a copy buffer.
        const n = this.#readSyncInto(room);
        (writer as Required<ByteWriter>).commit(n);
        return Promise.resolve(n);
      }
      const buffer = scratch.take(remaining);
      const n = this.#readSyncInto(buffer.subarray(0, remaining));
      return n === 0 ? Promise.resolve(0) : writer.write(buffer.subarray(0, n));
    }
    return copyByReading(this, writer, scratch.take(Math.min(remaining, COPY_CHUNK_SIZE)));
  }

  /** `read` of a shared file: positioned and read in one synchronous step. */
  #readShared(p: Uint8Array): Promise<number | null> {
    const n = this.#readSyncInto(p.length > this.#remaining ? p.subarray(0, this.#remaining) : p);
    return Promise.resolve(n === 0 ? null : n);
  }

  /** Fills `out` from the span synchronously; the bytes read (fewer when the file ended). */
  #readSyncInto(out: Uint8Array): number {
    if (out.length === 0) return 0;
    let offset = 0;
    const lease = this.#lease;
    if (this.#shared) {
      // Positioned reads: other responses move the shared file between this span's reads.
      if (lease === null) return 0;
      const position = this.start + this.length - this.#remaining;
      while (offset < out.length) {
        const n = lease.readAt(offset === 0 ? out : out.subarray(offset), position + offset);
        if (n === 0) break;
        offset += n;
      }
    } else {
      if (!this.#positioned) this.#position();
      while (offset < out.length) {
        const n = this.file.readSync(out.subarray(offset));
        if (n === null || n === 0) break;
        offset += n;
      }
    }
    this.#remaining -= offset;
    if (offset < out.length) this.#remaining = 0;
    return offset;
  }

  /** Closes the file (or releases the shared file's lease, once). */
  close(): void {
    if (!this.#shared) {
      this.file.close();
      return;
    }
    const lease = this.#lease;
    this.#remaining = 0;
    this.#lease = null;
    lease?.release();
  }

  #position(): void {
    this.file.seekSync(this.start, Deno.SeekMode.Start);
    this.#positioned = true;
  }
}

/**
 * A whole open file with the size it had when its headers were sent (a span from 0 of that
 * size): copying stops at that size, even if the file grows meanwhile.
 *
 * @example
 * ```ts
 * import { FileSource } from "./body_source.ts";
 * import { assertEquals } from "../deps.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "hello");
 * const source = new FileSource(Deno.openSync(path), 5);
 * assertEquals(new TextDecoder().decode(source.readAllSync()), "hello");
 * source.close();
 * await Deno.remove(path);
 * ```
 */
export class FileSource extends FileSpanSource {
  /**
   * Creates the source.
   *
   * @param file The open file, at its beginning.
   * @param size Bytes to send.
   */
  constructor(file: Deno.FsFile, size: number) {
    super(file, 0, size);
  }

  /** Bytes to send (the span's length). */
  get size(): number {
    return this.length;
  }
}

/**
 * A body made of pieces in order: literal bytes and spans of one file (a `multipart/byteranges`
 * answer planned by `protocol/multipart_byteranges.ts`). File spans are read from the open
 * `file`, or cut from `content` when the file's bytes are already in memory (a cached file).
 * Each piece is copied as its own kind is (bytes in one write, a span through the scratch
 * buffer), so nothing is allocated per part beyond the piece's source object.
 *
 * @example Two spans of in-memory content with literal bytes around them
 * ```ts
 * import { SegmentsSource } from "./body_source.ts";
 * import { assertEquals } from "../deps.ts";
 * const text = (s: string) => new TextEncoder().encode(s);
 * const source = new SegmentsSource([
 *   { kind: "bytes", bytes: text("[") },
 *   { kind: "file", start: 1, length: 2 },
 *   { kind: "bytes", bytes: text("|") },
 *   { kind: "file", start: 6, length: 3 },
 *   { kind: "bytes", bytes: text("]") },
 * ], null, text("0123456789"));
 * const buffer = new Uint8Array(64);
 * let out = "";
 * for (let n = await source.read(buffer); n !== null; n = await source.read(buffer)) {
 *   out += new TextDecoder().decode(buffer.subarray(0, n));
 * }
 * assertEquals(out, "[12|678]");
 * ```
 */
export class SegmentsSource implements CopyableSource {
  readonly #segments: readonly BodySegment[];
  readonly #file: Deno.FsFile | null;
  /** The hold on a shared file the spans are read from (released by `close`), or null. */
  #lease: FileLease | null;
  /** Whether `#file` is shared (read through {@linkcode FileSpanSource.shared}). */
  readonly #shared: boolean;
  readonly #content: Uint8Array | null;
  #next = 0;
  /** The piece being read by `read` (partly read), or null between pieces. */
  #current: CopyableSource | null = null;

  /**
   * Creates the source (a file of its own is closed by {@linkcode close}, a shared file's
   * lease released).
   *
   * @param segments The pieces, in order.
   * @param file The open file the spans are read from, or a lease on a file other responses
   *   read too, or null when `content` is given.
   * @param content The file's bytes in memory, or null to read spans from `file`.
   * @throws {TypeError} Neither `file` nor `content` is given.
   */
  constructor(
    segments: readonly BodySegment[],
    file: Deno.FsFile | FileLease | null,
    content: Uint8Array | null = null,
  ) {
    if (file === null && content === null) {
      throw new TypeError("SegmentsSource needs a file or the content in memory");
    }
    this.#segments = segments;
    if (file === null || file instanceof Deno.FsFile) {
      this.#file = file;
      this.#lease = null;
      this.#shared = false;
    } else {
      this.#file = file.file;
      this.#lease = file;
      this.#shared = true;
    }
    this.#content = content;
  }

  /** Copies the next bytes into `p` (from one piece at a time). */
  async read(p: Uint8Array): Promise<number | null> {
    while (true) {
      const current = this.#current ?? this.#open();
      if (current === null) return null;
      const n = await current.read(p);
      if (n !== null && n > 0) return n;
      this.#current = null;
    }
  }

  /** Writes the rest, piece by piece (literal bytes written as they are, without a source). */
  async copyTo(writer: ByteWriter, scratch: ScratchBuffer): Promise<void> {
    const current = this.#current;
    this.#current = null;
    if (current !== null) await current.copyTo(writer, scratch);
    const segments = this.#segments;
    while (this.#next < segments.length) {
      const segment = segments[this.#next];
      if (segment.kind === "bytes") {
        this.#next++;
        await writer.write(segment.bytes);
      } else if (this.#content !== null) {
        this.#next++;
        await writer.write(
          this.#content.subarray(segment.start, segment.start + segment.length),
        );
      } else {
        const piece = this.#open() as CopyableSource;
        this.#current = null;
        await piece.copyTo(writer, scratch);
      }
    }
  }

  /** Closes the file (or releases the shared file's lease, once). */
  close(): void {
    this.#next = this.#segments.length;
    this.#current = null;
    if (!this.#shared) {
      this.#file?.close();
      return;
    }
    const lease = this.#lease;
    this.#lease = null;
    lease?.release();
  }

  /** The source of the next piece (kept as `#current`), or null after the last. */
  #open(): CopyableSource | null {
    if (this.#next >= this.#segments.length) return null;
    const segment = this.#segments[this.#next++];
    let source: CopyableSource;
    if (segment.kind === "bytes") {
      source = new BytesSource(segment.bytes);
    } else if (this.#content !== null) {
      source = new BytesSource(
        this.#content.subarray(segment.start, segment.start + segment.length),
      );
    } else if (this.#shared) {
      source = FileSpanSource.shared(this.#lease as FileLease, segment.start, segment.length);
    } else {
      const file = this.#file as Deno.FsFile;
      // A span from 0 reads from where the file stands: put it at its beginning.
      if (segment.start === 0) file.seekSync(0, Deno.SeekMode.Start);
      source = new FileSpanSource(file, segment.start, segment.length);
    }
    return this.#current = source;
  }
}

/**
 * A `ReadableStream` of bytes (e.g. a body through a `CompressionStream`): copied chunk by
 * chunk as the stream yields them, each write awaited before the next chunk is pulled.
 *
 * @example
 * ```ts
 * import { StreamSource } from "./body_source.ts";
 * import { assertEquals } from "../deps.ts";
 * const source = new StreamSource(ReadableStream.from([new Uint8Array([1, 2, 3])]));
 * const buffer = new Uint8Array(2);
 * assertEquals(await source.read(buffer), 2);
 * assertEquals(await source.read(buffer), 1);
 * assertEquals(await source.read(buffer), null);
 * source.close();
 * ```
 */
export class StreamSource implements CopyableSource {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  /** The unread rest of the chunk a short `read` cut. */
  #pending: Uint8Array | null = null;
  #done = false;

  /**
   * Creates the source (the stream is locked to it).
   *
   * @param stream The bytes.
   */
  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.getReader();
  }

  /** Copies the next bytes into `p` (at most one chunk's worth). */
  async read(p: Uint8Array): Promise<number | null> {
    let chunk = this.#pending;
    this.#pending = null;
    while (chunk === null || chunk.length === 0) {
      chunk = await this.#next();
      if (chunk === null) return null;
    }
    if (chunk.length > p.length) {
      p.set(chunk.subarray(0, p.length));
      this.#pending = chunk.subarray(p.length);
      return p.length;
    }
    p.set(chunk);
    return chunk.length;
  }

  /** Writes the rest of the stream, one write per chunk. */
  async copyTo(writer: ByteWriter): Promise<void> {
    const pending = this.#pending;
    this.#pending = null;
    if (pending !== null && pending.length > 0) await writer.write(pending);
    while (true) {
      const chunk = await this.#next();
      if (chunk === null) return;
      if (chunk.length > 0) await writer.write(chunk);
    }
  }

  /** Cancels the rest of the stream. */
  close(): void {
    if (this.#done) return;
    this.#done = true;
    this.#reader.cancel().catch(() => {});
  }

  async #next(): Promise<Uint8Array | null> {
    if (this.#done) return null;
    const { done, value } = await this.#reader.read();
    if (done) {
      this.#done = true;
      return null;
    }
    return value;
  }
}
