// Does `Request.formData()` hold the whole body in memory? Streams a multipart body of
// FORMDATA_MIB MiB (default 256) with one file part into `new Request(...).formData()` and
// prints the process's RSS before and after. Run: deno run --allow-env bench/formdata_memory.ts
const SIZE_MIB = Number(Deno.env.get("FORMDATA_MIB") ?? "256");
const CHUNK = new Uint8Array(64 * 1024).fill(0x61);
const encoder = new TextEncoder();
const head = encoder.encode(
  '--b\r\nContent-Disposition: form-data; name="files"; filename="big.bin"\r\n\r\n',
);
const tail = encoder.encode("\r\n--b--\r\n");
let sent = 0;
const total = SIZE_MIB * 1024 * 1024;
const body = new ReadableStream<Uint8Array>({
  start(controller) {
    controller.enqueue(head);
  },
  pull(controller) {
    if (sent >= total) {
      controller.enqueue(tail);
      controller.close();
      return;
    }
    controller.enqueue(CHUNK.slice());
    sent += CHUNK.length;
  },
});
const mib = (n: number) => (n / 1024 / 1024).toFixed(0);
const before = Deno.memoryUsage().rss;
const form = await new Request("http://x/", {
  method: "POST",
  body,
  headers: { "Content-Type": "multipart/form-data; boundary=b" },
}).formData();
const after = Deno.memoryUsage().rss;
const file = form.get("files") as File;
console.log(
  `formData() of a ${SIZE_MIB} MiB body: RSS ${mib(before)} MiB before, ${mib(after)} MiB ` +
    `after (file part ${mib(file.size)} MiB held)`,
);
