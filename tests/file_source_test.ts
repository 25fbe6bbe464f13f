// FileSource: reads a real file synchronously while reads are quick, stops at the size it was
// given, and moves to asynchronous reads for the rest of a file once a read is slow (a file
// whose synchronous read is made slow by a wrapper: a disk that is not serving from cache).
import { assert, assertEquals } from "../deps.ts";
import { FileSource } from "../handlers/simple.ts";
import { patternBytes } from "./_file_tree.ts";

async function withFile(bytes: Uint8Array, fn: (path: string) => Promise<void>): Promise<void> {
  const path = await Deno.makeTempFile({ prefix: "httpserver-source-" });
  try {
    await Deno.writeFile(path, bytes);
    await fn(path);
  } finally {
    await Deno.remove(path);
  }
}

async function drain(source: FileSource, chunk: number): Promise<Uint8Array> {
  const out: number[] = [];
  const buffer = new Uint8Array(chunk);
  while (true) {
    const n = await source.read(buffer);
    if (n === null || n === 0) break;
    out.push(...buffer.subarray(0, n));
  }
  return new Uint8Array(out);
}

Deno.test("FileSource: the whole file in chunks, and no more than its size", async () => {
  const bytes = patternBytes(300_000, 7);
  await withFile(bytes, async (path) => {
    const whole = new FileSource(Deno.openSync(path), bytes.length);
    assertEquals(await drain(whole, 65_536), bytes);
    whole.close();
    const part = new FileSource(Deno.openSync(path), 1000);
    assertEquals(await drain(part, 65_536), bytes.subarray(0, 1000));
    part.close();
  });
});

Deno.test("FileSource: after one slow synchronous read, the rest is read asynchronously", async () => {
  const bytes = patternBytes(200_000, 9);
  await withFile(bytes, async (path) => {
    const file = Deno.openSync(path);
    let syncReads = 0;
    let asyncReads = 0;
    const readSync = file.readSync.bind(file);
    const read = file.read.bind(file);
    // The second synchronous read is slow (a busy wait past the limit), as from a cold disk.
    file.readSync = (p: Uint8Array) => {
      syncReads++;
      if (syncReads === 2) {
        const until = performance.now() + 10;
        while (performance.now() < until) { /* a slow disk */ }
      }
      return readSync(p);
    };
    file.read = (p: Uint8Array) => {
      asyncReads++;
      return read(p);
    };
    const source = new FileSource(file, bytes.length);
    assertEquals(await drain(source, 16_384), bytes);
    source.close();
    assertEquals(syncReads, 2);
    assert(asyncReads >= 10, `asynchronous reads: ${asyncReads}`);
  });
});
