// Socketless tests of io/connection_clock.ts: a fake reader stands for rfile, the drop callback
// records what the handler would do, and the limits are tens of milliseconds.
import { assertEquals } from "../deps.ts";
import { type ClockedReader, ConnectionClock, requestActivity } from "../io/connection_clock.ts";

/** A limit short enough for a test, in seconds. */
const SHORT = 0.03;
/** Long enough for a `SHORT` deadline to have passed, in milliseconds. */
const PAST_SHORT_MS = 90;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

class FakeReader implements ClockedReader {
  bytesReceived = 0;
  buffered = 0;
  onData: (() => void) | null = null;

  /** Bytes arrive: as `RFile` does, count them and tell the watcher. */
  receive(n: number): void {
    this.bytesReceived += n;
    this.buffered += n;
    this.onData?.();
  }
}

/** A clock over a fake reader; `drops` records each drop's `lateHead`. */
function start(headerTimeout: number | null, idleTimeout: number | null) {
  const reader = new FakeReader();
  const drops: boolean[] = [];
  const clock = new ConnectionClock((lateHead) => drops.push(lateHead));
  clock.accepted(reader, headerTimeout, idleTimeout);
  return { reader, drops, clock };
}

Deno.test("ConnectionClock: a connection that sends nothing is dropped quietly", async () => {
  const { reader, drops, clock } = start(SHORT, null);
  try {
    clock.beginRequest();
    assertEquals(typeof reader.onData, "function");
    await sleep(PAST_SHORT_MS);
    assertEquals(drops, [false]);
    assertEquals(clock.closing, true);
  } finally {
    clock.stop();
  }
});

Deno.test("ConnectionClock: a first head that is late is dropped and reported", async () => {
  const { reader, drops, clock } = start(SHORT, null);
  try {
    clock.beginRequest();
    reader.receive(3);
    assertEquals(reader.onData, null);
    await sleep(PAST_SHORT_MS);
    assertEquals(drops, [true]);
  } finally {
    clock.stop();
  }
});

Deno.test("ConnectionClock: no deadline while answering, nor after stop", async () => {
  const { reader, drops, clock } = start(SHORT, SHORT);
  try {
    clock.beginRequest();
    reader.receive(20);
    clock.headEnded();
    await sleep(PAST_SHORT_MS);
    assertEquals(drops, []);
    reader.buffered = 0;
    clock.beginRequest(); // idle: the keep-alive limit runs
    clock.stop();
    await sleep(PAST_SHORT_MS);
    assertEquals(drops, []);
  } finally {
    clock.stop();
  }
});

Deno.test("ConnectionClock: the keep-alive limit drops an idle connection quietly", async () => {
  const { reader, drops, clock } = start(null, SHORT);
  try {
    clock.beginRequest();
    reader.receive(20);
    clock.headEnded();
    reader.buffered = 0;
    clock.beginRequest();
    assertEquals(typeof reader.onData, "function");
    await sleep(PAST_SHORT_MS);
    assertEquals(drops, [false]);
  } finally {
    clock.stop();
  }
});

Deno.test("ConnectionClock: a later head's deadline runs from its first byte", async () => {
  const { reader, drops, clock } = start(SHORT, null);
  try {
    clock.beginRequest();
    reader.receive(20);
    clock.headEnded();
    reader.buffered = 0;
    clock.beginRequest(); // idle, no keep-alive limit
    await sleep(PAST_SHORT_MS);
    assertEquals(drops, []);
    reader.receive(5); // the head begins: SHORT from now
    await sleep(PAST_SHORT_MS);
    assertEquals(drops, [true]);
  } finally {
    clock.stop();
  }
});

Deno.test("ConnectionClock: a pipelined request starts its head at once", async () => {
  const { reader, drops, clock } = start(SHORT, null);
  try {
    clock.beginRequest();
    reader.receive(40);
    clock.headEnded();
    reader.buffered = 20; // the next request is already buffered
    clock.beginRequest();
    assertEquals(reader.onData, null);
    await sleep(PAST_SHORT_MS);
    assertEquals(drops, [true]);
  } finally {
    clock.stop();
  }
});

Deno.test("ConnectionClock: shutdown drops an idle connection at once, a busy one never", () => {
  const idle = start(null, null);
  const busy = start(null, null);
  try {
    idle.clock.beginRequest();
    idle.reader.receive(20);
    idle.clock.headEnded();
    idle.reader.buffered = 0;
    idle.clock.beginRequest();
    idle.clock.closeWhenIdle();
    assertEquals(idle.drops, [false]);
    idle.clock.closeWhenIdle();
    assertEquals(idle.drops, [false], "once");

    busy.clock.beginRequest();
    busy.reader.receive(20);
    busy.clock.headEnded();
    busy.clock.closeWhenIdle();
    assertEquals([busy.drops, busy.clock.closing], [[], true]);
  } finally {
    idle.clock.stop();
    busy.clock.stop();
  }
});

Deno.test("ConnectionClock: shutdown gives a silent new connection a grace, then drops it", async () => {
  const { drops, clock } = start(null, null);
  try {
    clock.beginRequest();
    clock.closeWhenIdle();
    assertEquals(drops, []);
    await sleep(1300);
    assertEquals(drops, [false]);
  } finally {
    clock.stop();
  }
});

Deno.test("ConnectionClock: a first byte within the grace gets the full head time", async () => {
  const { reader, drops, clock } = start(0.2, null);
  try {
    clock.beginRequest();
    clock.closeWhenIdle();
    reader.receive(1);
    await sleep(PAST_SHORT_MS);
    assertEquals(drops, []);
    await sleep(250);
    // The deadline ran from the accept; a late head during shutdown is not reported.
    assertEquals(drops, [false]);
  } finally {
    clock.stop();
  }
});

Deno.test("ConnectionClock: closeWhenIdle before the clock starts keeps the earlier deadline", async () => {
  const reader = new FakeReader();
  const drops: boolean[] = [];
  const clock = new ConnectionClock((lateHead) => drops.push(lateHead));
  try {
    clock.closeWhenIdle(); // shutdown before setup: the grace applies
    clock.accepted(reader, 60, null); // a later head deadline does not extend it
    clock.beginRequest();
    await sleep(1300);
    assertEquals(drops, [false]);
  } finally {
    clock.stop();
  }
});

Deno.test("requestActivity counts requests begun and in progress across a connection's phases", () => {
  const reader = new FakeReader();
  const clock = new ConnectionClock(() => {});
  clock.accepted(reader, null, null);
  const begun = requestActivity.begun;
  const inProgress = requestActivity.inProgress;
  clock.beginRequest(); // waiting for the first byte: nothing in progress yet
  assertEquals([requestActivity.begun - begun, requestActivity.inProgress - inProgress], [0, 0]);
  reader.receive(10);
  assertEquals([requestActivity.begun - begun, requestActivity.inProgress - inProgress], [1, 1]);
  clock.headEnded(); // answering: still in progress
  assertEquals(requestActivity.inProgress - inProgress, 1);
  reader.buffered = 0;
  clock.beginRequest(); // idle between requests
  assertEquals([requestActivity.begun - begun, requestActivity.inProgress - inProgress], [1, 0]);
  reader.receive(10);
  clock.stop(); // ended with a head half read: no longer in progress
  assertEquals([requestActivity.begun - begun, requestActivity.inProgress - inProgress], [2, 0]);
});
