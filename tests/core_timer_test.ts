// io/core_timer.ts: order, moves, cancellation, callbacks that re-start timers, and that
// nothing is left scheduled (the test sanitizers do not see runtime timeout signals).
import { assert, assertEquals } from "../deps.ts";
import { CoreTimer, NextTurn, pendingCoreTimers } from "../io/core_timer.ts";
import { withTimeout } from "../io/timeout.ts";

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

Deno.test("CoreTimer: timers run in due order, each once, and leave nothing pending", async () => {
  const order: number[] = [];
  const now = performance.now();
  const timers = [30, 10, 20, 0, 15].map((offset) => {
    const timer = new CoreTimer(() => order.push(offset));
    timer.start(now + offset);
    return timer;
  });
  assertEquals(pendingCoreTimers(), 5);
  assert(timers.every((timer) => timer.pending));
  await sleep(80);
  assertEquals(order, [0, 10, 15, 20, 30]);
  assert(timers.every((timer) => !timer.pending && timer.due === Infinity));
  assertEquals(pendingCoreTimers(), 0);
});

Deno.test("CoreTimer: a timer never runs before its due time", async () => {
  const due = performance.now() + 25;
  let ranAt = 0;
  new CoreTimer(() => ranAt = performance.now()).start(due);
  await sleep(70);
  assert(ranAt >= due, `ran ${due - ranAt} ms early`);
});

Deno.test("CoreTimer: moving a timer later or earlier, and cancelling it", async () => {
  const ran: string[] = [];
  const later = new CoreTimer(() => ran.push("later"));
  const earlier = new CoreTimer(() => ran.push("earlier"));
  const cancelled = new CoreTimer(() => ran.push("cancelled"));
  const now = performance.now();
  later.start(now + 5);
  earlier.start(now + 200);
  cancelled.start(now + 10);
  later.start(now + 40); // moved later: a superseded runtime timer fires and finds nothing
  earlier.start(now + 20);
  cancelled.cancel();
  cancelled.cancel(); // twice is harmless
  assertEquals(pendingCoreTimers(), 2);
  await sleep(15);
  assertEquals(ran, []);
  await sleep(80);
  assertEquals(ran, ["earlier", "later"]);
  assertEquals(pendingCoreTimers(), 0);
});

Deno.test("CoreTimer: a callback re-starting a timer for now runs it on the next turn", async () => {
  let runs = 0;
  const timer: CoreTimer = new CoreTimer(() => {
    if (++runs < 3) timer.start(0); // `setTimeout(fn, 0)` from its own callback
  });
  timer.start(0);
  assertEquals(runs, 0); // never synchronously
  await sleep(60);
  assertEquals(runs, 3);
  assertEquals(pendingCoreTimers(), 0);
});

Deno.test("CoreTimer: a callback may cancel or move another timer due in the same turn", async () => {
  const ran: string[] = [];
  const second = new CoreTimer(() => ran.push("second"));
  const first = new CoreTimer(() => {
    ran.push("first");
    second.cancel();
  });
  const third = new CoreTimer(() => ran.push("third"));
  const mover = new CoreTimer(() => third.start(performance.now() + 30));
  const due = performance.now() + 5;
  first.start(due);
  second.start(due + 0.5);
  mover.start(due + 0.25);
  third.start(due + 0.75);
  await sleep(20);
  assertEquals(ran, ["first"]);
  assert(third.pending);
  await sleep(60);
  assertEquals(ran, ["first", "third"]);
  assertEquals(pendingCoreTimers(), 0);
});

Deno.test("CoreTimer: many timers started and cancelled in any order keep the heap sound", async () => {
  const ran: number[] = [];
  const now = performance.now();
  const timers: CoreTimer[] = [];
  for (let i = 0; i < 200; i++) {
    const timer = new CoreTimer(() => ran.push(i));
    timer.start(now + 10 + ((i * 37) % 41));
    timers.push(timer);
  }
  for (let i = 0; i < 200; i += 3) timers[i].cancel();
  for (let i = 1; i < 200; i += 7) timers[i].start(now + 5 + ((i * 13) % 17));
  const expected = timers
    .map((timer, i) => ({ i, due: timer.due }))
    .filter((entry) => entry.due !== Infinity)
    .sort((a, b) => a.due - b.due);
  await sleep(120);
  assertEquals(ran.length, expected.length);
  // Each ran no earlier than any timer due before it.
  const dues = ran.map((i) => expected.find((entry) => entry.i === i)?.due ?? NaN);
  for (let k = 1; k < dues.length; k++) assert(dues[k - 1] <= dues[k], `out of order at ${k}`);
  assertEquals(pendingCoreTimers(), 0);
});

/** Runs `body` (with `CoreTimer` imported) in a fresh process: its stdout and its run time. */
async function runAlone(body: string): Promise<{ stdout: string; ms: number }> {
  const module = JSON.stringify(new URL("../io/core_timer.ts", import.meta.url).href);
  const started = performance.now();
  const { code, stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", `import { CoreTimer } from ${module};\n${body}`],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assertEquals(code, 0);
  return { stdout: new TextDecoder().decode(stdout), ms: performance.now() - started };
}

Deno.test("CoreTimer: a started timer keeps the process alive until it runs", async () => {
  const { stdout } = await runAlone(
    `new CoreTimer(() => console.log("ran")).start(performance.now() + 200);`,
  );
  assertEquals(stdout, "ran\n");
});

Deno.test("CoreTimer: cancelled or moved timers do not keep the process alive", async () => {
  const { stdout, ms } = await runAlone(`
    const a = new CoreTimer(() => console.log("a"));
    const b = new CoreTimer(() => console.log("b"));
    a.start(performance.now() + 60_000);
    b.start(performance.now() + 30_000); // supersedes a's runtime timer
    a.start(performance.now() + 50); // and again
    b.cancel();
    a.start(performance.now() + 90_000); // later: the 50 ms runtime timer fires early, re-arms
    setTimeout(() => a.cancel(), 120);
  `);
  assertEquals(stdout, "");
  assert(ms < 20_000, `took ${ms} ms`);
});

Deno.test("CoreTimer: a let-go runtime timer is taken back, or replaced once it has fired", async () => {
  let ran = 0;
  const timer = new CoreTimer(() => ran++);
  timer.start(performance.now() + 30);
  timer.cancel(); // lets the 30 ms runtime timer go, as the spare
  timer.start(performance.now() + 50); // later than the spare: it is taken back, fires early
  await sleep(100);
  assertEquals(ran, 1);
  timer.start(performance.now() + 10);
  timer.cancel(); // the spare again, and it fires unseen meanwhile
  await sleep(40);
  timer.start(performance.now() + 10); // must not wait on the spent signal
  await sleep(60);
  assertEquals(ran, 2);
  assertEquals(pendingCoreTimers(), 0);
});

Deno.test("withTimeout: leaves no timer behind, whichever way the race goes", async () => {
  assertEquals(await withTimeout(Promise.resolve(1), 1000, () => 0), 1);
  assertEquals(pendingCoreTimers(), 0);
  await withTimeout(Promise.reject(new RangeError("x")), 1000, () => 0).catch(() => {});
  assertEquals(pendingCoreTimers(), 0);
  assertEquals(await withTimeout(new Promise<number>(() => {}), 5, () => null), null);
  assertEquals(pendingCoreTimers(), 0);
});

Deno.test("CoreTimer: a tick between long deadlines costs one runtime timer per tick", async () => {
  const original = AbortSignal.timeout;
  let created = 0;
  AbortSignal.timeout = (ms: number) => {
    created++;
    return original.call(AbortSignal, ms);
  };
  const far = new CoreTimer(() => {});
  try {
    far.start(performance.now() + 60_000);
    const ticks = 20;
    for (let i = 0; i < ticks; i++) {
      const { promise, resolve } = Promise.withResolvers<void>();
      new CoreTimer(resolve).start(0);
      await promise;
    }
    // One signal per tick; the far deadline's signal is kept as the spare and taken back.
    assert(created <= ticks + 1, `${created} signals for ${ticks} ticks`);
  } finally {
    far.cancel();
    AbortSignal.timeout = original;
  }
  assertEquals(pendingCoreTimers(), 0);
});

Deno.test("NextTurn: one run per request, core timers first, then setTimeout", async () => {
  let runs = 0;
  let wake: () => void = () => {};
  const tick = new NextTurn(() => {
    runs++;
    wake();
  });
  const original = globalThis.setTimeout;
  let globalTimers = 0;
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    globalTimers++;
    return original(...args);
  }) as typeof setTimeout;
  try {
    for (let i = 0; i < 1003; i++) {
      const { promise, resolve } = Promise.withResolvers<void>();
      wake = resolve;
      tick.schedule();
      tick.schedule(); // already pending: still one run
      assert(tick.pending);
      await promise;
      assert(!tick.pending);
      if (i === 999) assertEquals(globalTimers, 0);
    }
  } finally {
    globalThis.setTimeout = original;
  }
  assertEquals(runs, 1003);
  assertEquals(globalTimers, 3);
  assertEquals(pendingCoreTimers(), 0);
});
