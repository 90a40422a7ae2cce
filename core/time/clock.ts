/**
 * Clocks. Simulation code never reads the wall clock: it is handed a Clock, which in a backtest is a
 * SimClock advanced by the event loop, and in paper trading a WallClock. Time is a float64 number of
 * seconds (resolution well under a nanosecond for any session shorter than a year).
 */
export interface Clock {
  /** Current time in seconds. */
  nowS(): number;
}

export class SimClock implements Clock {
  private t: number;

  constructor(startS = 0) {
    this.t = startS;
  }

  nowS(): number {
    return this.t;
  }

  /** Move time forward; moving it backwards is a bug in the caller and throws. */
  advanceTo(tS: number): void {
    if (tS < this.t) throw new RangeError(`SimClock cannot go back in time: ${tS} < ${this.t}`);
    this.t = tS;
  }
}

export class WallClock implements Clock {
  nowS(): number {
    return Date.now() / 1000;
  }
}
