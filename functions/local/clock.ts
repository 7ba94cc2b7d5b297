/**
 * The sandbox's clock: real time, or a virtual clock that starts at DUBAN_CLOCK and runs on from
 * there. This edge of the program is the only place that reads the wall clock; everything below
 * it is handed the instant.
 */
export type Clock = () => Date;

export function sandboxClock(start?: Date): Clock {
  if (!start) return () => new Date();
  const startedAt = Date.now();
  return () => new Date(start.getTime() + (Date.now() - startedAt));
}
