// How long the event loop was blocked: the longest gap between two ticks of a 5 ms interval, less
// the 5 ms. Plain JavaScript, shared by the tests and the benches.

const TICK_MS = 5;

/** Starts measuring; stop() ends it and returns the worst stall in milliseconds. */
export function startStallMeter() {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - TICK_MS);
    last = now;
  }, TICK_MS);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(worst, performance.now() - last - TICK_MS, 0);
    },
  };
}
