/**
 * A {@linkcode ResponseHead} encoded as the bytes that go on the wire, line by line through a
 * memo: a server sends the same few lines (`Server`, `Content-Type`, one `Date` per second,
 * ...) with almost every response, so encoding them again each time is wasted work. Per
 * connection, {@linkcode ResponseHeadEncoder} also keeps the whole block while heads repeat.
 *
 * A line is refused (a {@linkcode HeaderValueError}) when its text holds CR, LF or NUL, which
 * would split the response, or a character beyond latin-1, which CPython cannot encode.
 *
 * @example
 * ```ts
 * import { HeaderLineCache } from "./header_lines.ts";
 * const lines = new HeaderLineCache();
 * new TextDecoder().decode(lines.headerLine("Content-Type", "text/plain"));
 * // "Content-Type: text/plain\r\n"
 * ```
 *
 * @module
 */
import { HeaderValueError } from "../errors.ts";
import { isUnsendableHeaderText, ResponseHead } from "./response_head.ts";

/** Re-exported from `response_head.ts`, where heads check their text. */
export { isUnsendableHeaderText };

/** Header values longer than this many characters are encoded on every use, not kept. */
export const MAX_CACHED_HEADER_VALUE_LENGTH = 256;
/** Values kept per header name; past it that name's values are dropped and collected anew. */
export const MAX_CACHED_VALUES_PER_NAME = 64;
/** Header names (and status codes) kept; past it every entry is dropped and collected anew. */
export const MAX_CACHED_NAMES = 64;

/**
 * A name whose values fill {@linkcode MAX_CACHED_VALUES_PER_NAME} within this many
 * milliseconds has values that do not repeat (`Content-Range` of random ranges, a fresh
 * multipart boundary): its lines are then encoded on each use rather than kept, so a stream of
 * distinct values costs no map churn. (`Date` fills a round in about a minute.)
 */
export const UNREPEATED_ROUND_MS = 1000;
/** Milliseconds a name whose values did not repeat goes uncached before it gets a new round. */
export const UNREPEATED_RECHECK_MS = 10_000;
/**
 * Uses of a name whose values did not repeat between two looks at the clock (a clock read
 * costs about as much as encoding the line): past {@linkcode UNREPEATED_RECHECK_MS}, the next
 * round starts within this many uses.
 */
const UNREPEATED_USES_PER_CLOCK_READ = 64;

/** One header name's kept lines, or the mark that its values do not repeat. */
interface NameEntry {
  /** Lines by value; null while the name's values are not kept (they did not repeat). */
  values: Map<string, Uint8Array> | null;
  /** When the current round of values began (or when the name was marked unrepeated). */
  roundStarted: number;
  /** Uses left before an unrepeated name looks at the clock again. */
  usesBeforeClock: number;
}

/**
 * Bytes an encoder keeps for the lines of one head that the memo does not keep: a few lines of
 * up to {@linkcode MAX_CACHED_HEADER_VALUE_LENGTH} characters; longer ones get an array each.
 */
const FRESH_LINES_BYTES = 512;

/**
 * Spare bytes an encoder's own block keeps past the head it holds, so that a value growing by
 * a few characters (a longer `Content-Range`) does not reallocate it.
 */
const OWN_BLOCK_SLACK = 64;

/** The blank line that ends a header block. */
const END_OF_HEADERS: Uint8Array = new Uint8Array([0x0d, 0x0a]);

/** Latin-1 bytes of the concatenated parts (every character already checked <= U+00FF). */
function encodeParts(parts: readonly string[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) bytes[offset++] = part.charCodeAt(i);
  }
  return bytes;
}

const COLON = 0x3a;
const SPACE = 0x20;
const CR = 0x0d;
const LF = 0x0a;

/** Latin-1 bytes of `<keyword>: <value>\r\n` (every character already checked <= U+00FF). */
function encodeHeaderLine(keyword: string, value: string): Uint8Array {
  const bytes = new Uint8Array(keyword.length + value.length + 4);
  writeHeaderLine(keyword, value, bytes, 0);
  return bytes;
}

/** Writes `<keyword>: <value>\r\n` into `target` at `offset`; the offset after it. */
function writeHeaderLine(
  keyword: string,
  value: string,
  target: Uint8Array,
  offset: number,
): number {
  const nameLength = keyword.length;
  const valueLength = value.length;
  for (let i = 0; i < nameLength; i++) target[offset + i] = keyword.charCodeAt(i);
  target[offset + nameLength] = COLON;
  target[offset + nameLength + 1] = SPACE;
  const valueStart = offset + nameLength + 2;
  for (let i = 0; i < valueLength; i++) target[valueStart + i] = value.charCodeAt(i);
  target[valueStart + valueLength] = CR;
  target[valueStart + valueLength + 1] = LF;
  return valueStart + valueLength + 2;
}

/** A status line kept for one code, valid while protocol and reason stay the same. */
interface StatusLineEntry {
  protocol: string;
  reason: string;
  bytes: Uint8Array;
}

/**
 * Encoded status and header lines, checked and kept for reuse. The arrays it returns are
 * shared between responses: read them, never change them.
 *
 * @example
 * ```ts
 * import { HeaderLineCache } from "./header_lines.ts";
 * const lines = new HeaderLineCache();
 * lines.statusLine("HTTP/1.1", 200, "OK") === lines.statusLine("HTTP/1.1", 200, "OK"); // true
 * ```
 */
export class HeaderLineCache {
  readonly #names = new Map<string, NameEntry>();
  readonly #statuses = new Map<number, StatusLineEntry>();

  /**
   * `<keyword>: <value>\r\n` as bytes.
   *
   * @param keyword The header name.
   * @param value The value.
   * @param checked True when both texts come from a {@linkcode ResponseHead}, which refused
   *   unsendable text as it came in: they are not scanned again.
   * @returns The line (shared: do not modify).
   * @throws {HeaderValueError} The name or value holds CR, LF, NUL or a non-latin-1 character.
   */
  headerLine(keyword: string, value: string, checked = false): Uint8Array {
    return this.keptLine(keyword, value, checked) ?? encodeHeaderLine(keyword, value);
  }

  /**
   * The kept line `<keyword>: <value>\r\n` (kept from now on if it was not yet), or null when
   * lines of this value are not kept: a value longer than
   * {@linkcode MAX_CACHED_HEADER_VALUE_LENGTH}, or a name whose values do not repeat. The
   * caller then encodes the line itself (as {@linkcode ResponseHeadEncoder} does, into a
   * buffer of its own, without an array per line).
   *
   * @param keyword The header name.
   * @param value The value.
   * @param checked True when both texts come from a {@linkcode ResponseHead} (not scanned).
   * @returns The line (shared: do not modify), or null.
   * @throws {HeaderValueError} The name or value holds CR, LF, NUL or a non-latin-1 character.
   */
  keptLine(keyword: string, value: string, checked = false): Uint8Array | null {
    let entry = this.#names.get(keyword);
    // An unrepeated name's values are never looked up: a fresh value's hash is not computed.
    const known = entry?.values?.get(value);
    if (known !== undefined) return known;
    if (!checked && (isUnsendableHeaderText(keyword) || isUnsendableHeaderText(value))) {
      throw new HeaderValueError(keyword, value);
    }
    if (value.length > MAX_CACHED_HEADER_VALUE_LENGTH) return null;
    if (entry !== undefined && entry.values === null) {
      if (--entry.usesBeforeClock > 0) return null;
      entry.usesBeforeClock = UNREPEATED_USES_PER_CLOCK_READ;
      if (performance.now() - entry.roundStarted < UNREPEATED_RECHECK_MS) return null;
      entry.values = new Map();
      entry.roundStarted = performance.now();
    }
    if (entry === undefined) {
      if (this.#names.size >= MAX_CACHED_NAMES) this.#names.clear();
      entry = { values: new Map(), roundStarted: performance.now(), usesBeforeClock: 0 };
      this.#names.set(keyword, entry);
    }
    const values = entry.values as Map<string, Uint8Array>;
    if (values.size >= MAX_CACHED_VALUES_PER_NAME) {
      const now = performance.now();
      const unrepeated = now - entry.roundStarted < UNREPEATED_ROUND_MS;
      entry.roundStarted = now;
      if (unrepeated) {
        entry.values = null;
        entry.usesBeforeClock = UNREPEATED_USES_PER_CLOCK_READ;
        return null;
      }
      values.clear();
    }
    const bytes = encodeHeaderLine(keyword, value);
    values.set(value, bytes);
    return bytes;
  }

  /**
   * `<protocol> <code> <reason>\r\n` as bytes.
   *
   * @param protocol The protocol version, e.g. `HTTP/1.0`.
   * @param code The status (an integer).
   * @param reason The reason phrase.
   * @returns The line (shared: do not modify).
   * @throws {HeaderValueError} The phrase holds CR, LF, NUL or a non-latin-1 character.
   */
  statusLine(protocol: string, code: number, reason: string): Uint8Array {
    const entry = this.#statuses.get(code);
    if (entry !== undefined && entry.protocol === protocol && entry.reason === reason) {
      return entry.bytes;
    }
    if (isUnsendableHeaderText(reason)) throw new HeaderValueError("status line", reason);
    // The protocol version is the handler's own setting; it is checked like header text.
    if (isUnsendableHeaderText(protocol)) throw new HeaderValueError("status line", protocol);
    const bytes = encodeParts([protocol, " ", String(code), " ", reason, "\r\n"]);
    if (reason.length > MAX_CACHED_HEADER_VALUE_LENGTH) return bytes;
    if (entry === undefined && this.#statuses.size >= MAX_CACHED_NAMES) this.#statuses.clear();
    this.#statuses.set(code, { protocol, reason, bytes });
    return bytes;
  }

  /**
   * The blank line that ends a header block.
   *
   * @returns `\r\n` (shared: do not modify).
   */
  endOfHeaders(): Uint8Array {
    return END_OF_HEADERS;
  }
}

/**
 * The lines as one array of bytes.
 *
 * @param lines Encoded status and header lines.
 * @returns Their concatenation (a new array).
 *
 * @example
 * ```ts
 * import { HeaderLineCache, joinLines } from "./header_lines.ts";
 * const lines = new HeaderLineCache();
 * joinLines([lines.statusLine("HTTP/1.0", 200, "OK"), lines.endOfHeaders()]).length; // 19
 * ```
 */
export function joinLines(lines: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (let i = 0; i < lines.length; i++) length += lines[i].length;
  const block = new Uint8Array(length);
  let offset = 0;
  for (let i = 0; i < lines.length; i++) {
    block.set(lines[i], offset);
    offset += lines[i].length;
  }
  return block;
}

/**
 * Appends a head's encoded lines to `lines`: the status line (if set), one line per field in
 * order, and the blank line when the head is `ended`. A head refuses CR, LF, NUL and
 * non-latin-1 text as it comes in, so its texts are not scanned again here.
 *
 * @param cache The line memo to encode through.
 * @param head The head.
 * @param ended Whether the head is complete (`end_headers()`), not only flushed.
 * @param lines Where the lines go (shared arrays: do not modify them).
 * @returns `lines`.
 */
export function appendHeadLines(
  cache: HeaderLineCache,
  head: ResponseHead,
  ended: boolean,
  lines: Uint8Array[],
): Uint8Array[] {
  if (head.hasStatus) lines.push(cache.statusLine(head.version, head.code, head.reason));
  for (let i = 0; i < head.size; i++) {
    lines.push(cache.headerLine(head.nameAt(i), head.valueAt(i), true));
  }
  if (ended) lines.push(END_OF_HEADERS);
  return lines;
}

/**
 * Encodes one connection's response heads. The lines come from a shared
 * {@linkcode HeaderLineCache}; and when a head holds the very same values as the one before
 * it (keep-alive responses to the same resource do, apart from `Date` once a second), the
 * joined block is kept and sent whole from then on: one copy instead of a lookup and a copy
 * per line. A head that differs costs a comparison of a few strings.
 *
 * @example
 * ```ts
 * import { HeaderLineCache, ResponseHeadEncoder } from "./header_lines.ts";
 * import { ResponseHead } from "./response_head.ts";
 * const encoder = new ResponseHeadEncoder(new HeaderLineCache());
 * const head = new ResponseHead();
 * head.setStatus("HTTP/1.1", 204, "No Content");
 * encoder.repeatedBlock(head, true); // null: nothing to compare with yet
 * encoder.lines(head, true).length; // 2: the status line and the blank line
 * encoder.repeatedBlock(head, true)?.length; // 27: the same head again, as one block
 * ```
 */
export class ResponseHeadEncoder {
  readonly #cache: HeaderLineCache;
  /** The previous head's values (a copy: the handler reuses its head). */
  readonly #previous = new ResponseHead();
  #previousEnded = false;
  #hasPrevious = false;
  #block: Uint8Array | null = null;
  /** Reused for every {@linkcode lines} answer. */
  readonly #lines: Uint8Array[] = [];
  /**
   * Where {@linkcode lines} encodes the lines the memo does not keep (a `Content-Range` of
   * random ranges, a multipart boundary), reused by every call: no array per such line.
   */
  #fresh: Uint8Array | null = null;
  /**
   * The previous head encoded whole (its first `#ownLength` bytes; 0: none), and where each
   * of its lines starts (then its end): a head with the same status and names but other
   * values is encoded by rewriting only the changed lines here. The block handed out is this
   * buffer, so it is valid until the next call (the handler writes it before the next head).
   */
  #own: Uint8Array | null = null;
  #ownLength = 0;
  #ownView: Uint8Array | null = null;
  readonly #offsets: number[] = [];
  /**
   * The fields {@linkcode lines} encoded last, by position, with their kept lines (null for a
   * line in `#fresh`): a field equal to the one at its position last time takes that line
   * without a lookup in the memo (a range answer's head differs from the previous one only in
   * `Content-Range`). Lines are immutable bytes, so one the memo has dropped since is still
   * right.
   */
  readonly #lineNames: string[] = [];
  readonly #lineValues: string[] = [];
  readonly #lineBytes: (Uint8Array | null)[] = [];

  /**
   * Creates the encoder.
   *
   * @param cache The line memo to encode through (shared by every connection).
   */
  constructor(cache: HeaderLineCache) {
    this.#cache = cache;
  }

  /**
   * The whole encoded head when `head` and `ended` repeat the previous call's status line and
   * field names (values may differ), else null; either way they become the ones the next call
   * is compared with. A head equal to the previous one gets a block kept until the head
   * changes; one whose values changed gets the encoder's own block with those lines
   * rewritten, valid until the next call (write it before encoding the next head).
   *
   * @param head The head.
   * @param ended Whether the head is complete.
   * @returns The joined lines (do not modify), or null.
   */
  repeatedBlock(head: ResponseHead, ended: boolean): Uint8Array | null {
    const previous = this.#previous;
    let block: Uint8Array | null = null;
    if (this.#hasPrevious && ended === this.#previousEnded && head.sameShapeAs(previous)) {
      if (head.sameAs(previous)) return this.#block ??= joinLines(this.lines(head, ended));
      // Only values changed (a range's `Content-Range`, the `Date` of a new second): the
      // previous encoding with the changed lines rewritten in place.
      block = this.#ownLength > 0 ? this.#patchOwn(head, previous) : this.#encodeOwn(head, ended);
    } else {
      this.#ownLength = 0;
    }
    previous.copyFrom(head);
    this.#previousEnded = ended;
    this.#hasPrevious = true;
    this.#block = null;
    return block;
  }

  /** Encodes the whole head into `#own` (kept for {@linkcode ResponseHeadEncoder.#patchOwn}). */
  #encodeOwn(head: ResponseHead, ended: boolean): Uint8Array {
    const lines = this.lines(head, ended);
    let length = 0;
    for (let i = 0; i < lines.length; i++) length += lines[i].length;
    let own = this.#own;
    if (own === null || own.length < length) {
      own = this.#own = new Uint8Array(length + OWN_BLOCK_SLACK);
    }
    const offsets = this.#offsets;
    let offset = 0;
    for (let i = 0; i < lines.length; i++) {
      offsets[i] = offset;
      own.set(lines[i], offset);
      offset += lines[i].length;
    }
    offsets[lines.length] = offset;
    offsets.length = lines.length + 1;
    this.#ownLength = length;
    return this.#ownView = own.subarray(0, length);
  }

  /**
   * Rewrites in `#own` the lines whose values differ from `previous` (same status and names),
   * moving what follows a line whose length changed.
   */
  #patchOwn(head: ResponseHead, previous: ResponseHead): Uint8Array {
    let own = this.#own as Uint8Array;
    let length = this.#ownLength;
    const offsets = this.#offsets;
    const first = head.hasStatus ? 1 : 0;
    for (let i = 0; i < head.size; i++) {
      const value = head.valueAt(i);
      if (value === previous.valueAt(i)) continue;
      const name = head.nameAt(i);
      const line = first + i;
      const start = offsets[line];
      const end = offsets[line + 1];
      const change = name.length + value.length + 4 - (end - start);
      if (change !== 0) {
        if (length + change > own.length) {
          const grown = new Uint8Array(length + change + OWN_BLOCK_SLACK);
          grown.set(own.subarray(0, length));
          own = this.#own = grown;
        }
        own.copyWithin(end + change, end, length);
        length += change;
        for (let k = line + 1; k < offsets.length; k++) offsets[k] += change;
      }
      writeHeaderLine(name, value, own, start);
    }
    const view = this.#ownView;
    if (view !== null && view.length === length && view.buffer === own.buffer) return view;
    this.#ownLength = length;
    return this.#ownView = own.subarray(0, length);
  }

  /**
   * The head's encoded lines (see {@linkcode appendHeadLines}).
   *
   * @param head The head.
   * @param ended Whether the head is complete.
   * @returns The lines, in an array reused by the next call; a line the memo does not keep
   *   is a view of a buffer the next call reuses too (copy what you keep).
   */
  lines(head: ResponseHead, ended: boolean): readonly Uint8Array[] {
    // Filled by index and cut to length: `length = 0` would drop the array's backing store.
    const lines = this.#lines;
    const cache = this.#cache;
    let n = 0;
    let freshUsed = 0;
    if (head.hasStatus) lines[n++] = cache.statusLine(head.version, head.code, head.reason);
    const lineNames = this.#lineNames;
    const lineValues = this.#lineValues;
    const lineBytes = this.#lineBytes;
    for (let i = 0; i < head.size; i++) {
      const name = head.nameAt(i);
      const value = head.valueAt(i);
      if (name === lineNames[i] && value === lineValues[i]) {
        const previous = lineBytes[i];
        if (previous !== null) {
          lines[n++] = previous;
          continue;
        }
      }
      lineNames[i] = name;
      lineValues[i] = value;
      const kept = cache.keptLine(name, value, true);
      lineBytes[i] = kept;
      if (kept !== null) {
        lines[n++] = kept;
        continue;
      }
      // A line the memo does not keep: encoded into `#fresh` (a view of it is the line).
      const length = name.length + value.length + 4;
      let fresh = this.#fresh;
      if (fresh === null || freshUsed + length > fresh.length) {
        if (freshUsed + length > FRESH_LINES_BYTES) {
          lines[n++] = encodeHeaderLine(name, value);
          continue;
        }
        // Views given out earlier keep the old buffer alive until they are consumed.
        fresh = this.#fresh = new Uint8Array(FRESH_LINES_BYTES);
        freshUsed = 0;
      }
      const end = writeHeaderLine(name, value, fresh, freshUsed);
      lines[n++] = fresh.subarray(freshUsed, end);
      freshUsed = end;
    }
    if (ended) lines[n++] = END_OF_HEADERS;
    lines.length = n;
    return lines;
  }
}
