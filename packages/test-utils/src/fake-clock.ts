/** A clock whose time moves only when the code under test sleeps, recording each sleep. */
export interface FakeClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Every sleep, in order, in milliseconds. */
  readonly slept: number[];
}

/**
 * Time that moves only when the code sleeps, so retry and wait logic is tested without real
 * waiting. Shaped like the core's `Clock`, which it can stand in for.
 */
export function fakeClock(start = 1_000_000): FakeClock {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}
