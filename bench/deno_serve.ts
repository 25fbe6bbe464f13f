/**
 * Baseline: `Deno.serve` answering every request with the same 1 KiB body.
 *
 * Run: `deno run -A bench/deno_serve.ts <port>`
 *
 * @module
 */
const port = Number(Deno.args[0] ?? 8202);
const body = "x".repeat(1024);
if (import.meta.main) {
  Deno.serve(
    { hostname: "127.0.0.1", port, onListen: () => console.log(`Deno.serve on ${port}`) },
    () => new Response(body, { headers: { "content-type": "text/plain" } }),
  );
}
