/**
 * The sandbox's clock: real time, or a virtual clock that starts at DUBAN_CLOCK and runs on from
 * there. Its anchor (the instant it started at, and the real instant it started) is published in
 * the sandbox's state file, so the CLI computes the same instant (`instantOn`). This edge of the
 * program is the only place that reads the wall clock; everything below it is handed the instant.
 */
export type Clock = () => Date;

export interface ClockAnchor {
  /** The sandbox's instant when it started: DUBAN_CLOCK, or the real instant. */
  start: Date;
  /** The real instant it started. */
  realStart: Date;
}

export function clockAnchor(start: Date | undefined, realNow: Date): ClockAnchor {
  return { start: start ?? realNow, realStart: realNow };
}

/** The sandbox's instant at a real instant. */
export function instantOn(anchor: ClockAnchor, realNow: Date): Date {
  return new Date(anchor.start.getTime() + (realNow.getTime() - anchor.realStart.getTime()));
}

export function sandboxClock(anchor: ClockAnchor): Clock {
  return () => instantOn(anchor, new Date());
}
