/**
 * The start-up hello (`bench/deno_serve.ts`) plus one `setTimeout` before serving: prices the
 * first timer, which in Deno 2.9 loads the Node compatibility layer's timers.
 *
 * Run: `STARTUP_SCRIPTS=bench/startup_hello_timer.ts deno run -A bench/startup.ts`
 *
 * @module
 */
const port = Number(Deno.args[0] ?? 8203);
clearTimeout(setTimeout(() => {}, 1000));
Deno.serve({ hostname: "127.0.0.1", port, onListen: () => {} }, () => new Response("hello"));
