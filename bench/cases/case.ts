// What a benchmark row is: a number, a name, a target, and a run that measures it on several data shapes.

import type { Bench } from '../harness';
import type { Measured } from '../report';

/** One row of the benchmark's table. */
export interface Case {
  n: number;
  /** The name --only accepts. */
  id: string;
  /** What the row measures, for the progress line and a failed row. */
  title: string;
  target: string;
  run(bench: Bench): Promise<Measured>;
}
