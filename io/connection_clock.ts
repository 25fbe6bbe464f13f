/**
 * A connection's clock: where the connection stands (waiting for its first request, idle
 * between requests, reading a request head, answering, done) and the one deadline that
 * phase has: the request-head limit (`header_timeout`), the keep-alive limit
 * (`idle_timeout`), and the shutdown rules. The handler drives it with a few calls; when a
 * deadline passes, or shutdown finds the connection idle, it asks the handler to drop the
 * connection.
 *
 * @example A head that does not arrive in time
 * ```ts
 * import { ConnectionClock } from "./connection_clock.ts";
 * const reader = { bytesReceived: 0, buffered: 0, onData: null };
 * let dropped: boolean | undefined;
 * const clock = new ConnectionClock((lateHead) => dropped = lateHead);
 * clock.accepted(reader, 0.01, null);
 * clock.beginRequest();
 * await new Promise((resolve) => setTimeout(resolve, 40));
 * dropped; // true: the first request's head was late
 * clock.stop();
 * ```
 *
 * @module
 */
import { RequestDeadline } from "./request_deadline.ts";

/**
 * Milliseconds a connection that has sent nothing yet may still take to start its request
 * once the server is shutting down (a client that connected just before the signal).
 */
const SHUTDOWN_NEW_CONNECTION_GRACE_MS = 1000;

/** Where a connection stands: what a deadline that passes now means. */
type ConnectionPhase = "new" | "idle" | "head" | "response" | "done";

/** The phases in which a connection has a request in progress (its head or its answer). */
function isBusy(phase: ConnectionPhase): boolean {
  return phase === "head" || phase === "response";
}

/** What the clocks of every connection in the process have seen (see `requestActivity`). */
interface RequestActivity {
  /** Requests whose head began to arrive, counted since the process started. */
  begun: number;
  /** Connections with a request in progress now: reading its head or answering it. */
  inProgress: number;
}

const activity: RequestActivity = { begun: 0, inProgress: 0 };

/**
 * The request activity of every connection in the process, as their clocks see it: a server
 * tells from it that nothing is being served (`inProgress` 0) and that no request began since
 * it last looked (`begun` unchanged), before it spends a pause on housekeeping.
 */
export const requestActivity: Readonly<RequestActivity> = activity;

/** The part of the connection's reader the clock watches (`RFile` has it). */
export interface ClockedReader {
  /** Bytes received from the connection so far. */
  readonly bytesReceived: number;
  /** Bytes received and not yet consumed. */
  readonly buffered: number;
  /** Called after bytes arrive; the clock sets it while it waits for a request's first byte. */
  onData: (() => void) | null;
}

/**
 * What the clock asks of its handler: end the connection now (close it under any pending
 * read). `lateHead` is true when a request head took longer than `header_timeout` (the
 * handler logs it); false for an idle connection, shutdown, or a late first byte.
 */
export type DropConnection = (lateHead: boolean) => void;

function secondsToMs(seconds: number | null | undefined): number | null {
  return seconds === null || seconds === undefined ? null : seconds * 1000;
}

/**
 * The phase and deadline machine of one connection. The first request's head deadline runs
 * from the accept; later ones from the request's first byte; between requests the keep-alive
 * limit applies; while answering, none. On shutdown ({@linkcode closeWhenIdle}) an idle
 * connection is dropped at once, a new one gets a short grace for its first byte, and a busy
 * one ends after its response.
 *
 * @example Drive it as the handler does
 * ```ts
 * import { ConnectionClock } from "./connection_clock.ts";
 * const reader = { bytesReceived: 0, buffered: 0, onData: null as (() => void) | null };
 * const clock = new ConnectionClock(() => {});
 * clock.accepted(reader, 60, 5);
 * clock.beginRequest(); // waits for the first byte (reader.onData is set)
 * clock.headEnded(); // the head was read: no deadline while answering
 * clock.closeWhenIdle(); // shutdown: the connection ends after this response
 * clock.closing; // true
 * clock.stop();
 * ```
 */
export class ConnectionClock {
  readonly #drop: DropConnection;
  readonly #acceptedAt = performance.now();
  #reader: ClockedReader | null = null;
  #phase: ConnectionPhase = "new";
  #requests = 0;
  #deadline: RequestDeadline | null = null;
  #headerTimeoutMs: number | null = null;
  #idleTimeoutMs: number | null = null;
  #closing = false;

  /**
   * Creates the clock of a connection accepted now (its first head deadline runs from here).
   *
   * @param drop Ends the connection; called from a timer or from {@linkcode closeWhenIdle}.
   */
  constructor(drop: DropConnection) {
    this.#drop = drop;
  }

  /** The request-head limit in milliseconds, or null for none. */
  get headerTimeoutMs(): number | null {
    return this.#headerTimeoutMs;
  }

  /** True once the connection is to end after the current request (shutdown or timeout). */
  get closing(): boolean {
    return this.#closing;
  }

  /**
   * Starts the clock once the connection's reader exists.
   *
   * @param reader The connection's reader.
   * @param headerTimeout Seconds for a request head; null or undefined for no limit.
   * @param idleTimeout Seconds of keep-alive silence; null or undefined for no limit.
   */
  accepted(
    reader: ClockedReader,
    headerTimeout: number | null | undefined,
    idleTimeout: number | null | undefined,
  ): void {
    this.#reader = reader;
    this.#headerTimeoutMs = secondsToMs(headerTimeout);
    this.#idleTimeoutMs = secondsToMs(idleTimeout);
    if (this.#headerTimeoutMs !== null) {
      const timer = this.#timer();
      const first = this.#acceptedAt + this.#headerTimeoutMs;
      timer.set(this.#closing ? Math.min(timer.at, first) : first);
    }
  }

  /** A request is about to be read: starts its keep-alive or request-head deadline. */
  beginRequest(): void {
    const reader = this.#reader as ClockedReader;
    if (this.#requests++ === 0) {
      // The first request's deadline runs from the accept (set in `accepted`).
      if (reader.bytesReceived > 0) {
        this.#enter("head");
      } else {
        this.#phase = "new";
        reader.onData = this.#onFirstByte;
      }
    } else if (reader.buffered > 0) {
      this.#beginHead();
    } else {
      this.#enter("idle");
      reader.onData = this.#onFirstByte;
      if (this.#idleTimeoutMs !== null) this.#timer().set(performance.now() + this.#idleTimeoutMs);
      else this.#deadline?.clear();
    }
  }

  /** The request head has been read (or refused): no deadline while answering. */
  headEnded(): void {
    if (this.#reader !== null) this.#reader.onData = null;
    this.#enter("response");
    this.#deadline?.clear();
  }

  /**
   * Shutdown: ends the connection as soon as no request is in progress (at once when idle,
   * after a short grace when it has sent nothing yet, after the response otherwise).
   */
  closeWhenIdle(): void {
    if (this.#closing || this.#phase === "done") return;
    this.#closing = true;
    if (this.#phase === "idle") {
      this.#drop(false);
    } else if (this.#phase === "new") {
      const timer = this.#timer();
      timer.set(Math.min(timer.at, performance.now() + SHUTDOWN_NEW_CONNECTION_GRACE_MS));
    }
  }

  /** The connection has ended: no more deadlines. */
  stop(): void {
    this.#enter("done");
    this.#deadline?.stop();
  }

  readonly #onFirstByte = (): void => {
    (this.#reader as ClockedReader).onData = null;
    if (this.#phase !== "new") {
      this.#beginHead();
      return;
    }
    this.#enter("head");
    if (this.#closing) {
      // Shutdown had shortened the wait for a first byte: the request has its full time.
      if (this.#headerTimeoutMs === null) this.#deadline?.clear();
      else this.#timer().set(this.#acceptedAt + this.#headerTimeoutMs);
    }
  };

  #beginHead(): void {
    this.#enter("head");
    if (this.#headerTimeoutMs !== null) {
      this.#timer().set(performance.now() + this.#headerTimeoutMs);
    } else this.#deadline?.clear();
  }

  /** Moves to `phase`, keeping the process's {@linkcode requestActivity} up to date. */
  #enter(phase: ConnectionPhase): void {
    const was = this.#phase;
    if (phase === "head" && was !== "head") activity.begun++;
    const busy = isBusy(phase);
    if (busy !== isBusy(was)) activity.inProgress += busy ? 1 : -1;
    this.#phase = phase;
  }

  #timer(): RequestDeadline {
    return this.#deadline ??= new RequestDeadline(this.#deadlinePassed);
  }

  readonly #deadlinePassed = (): void => {
    const phase = this.#phase;
    if (phase === "response" || phase === "done") return;
    const lateHead = phase === "head" && !this.#closing;
    this.#closing = true;
    this.#drop(lateHead);
  };
}
