// The k-means runs compared in pljs and in Node: our core, ml-kmeans, and the plain loop, from the same starts.

import { kmeans as mlKmeans } from 'ml-kmeans';
import { fit } from '../src/core/index';
import { hamerly } from '../src/core/hamerly';
import { plainIteration } from './lloyd';

/** Milliseconds, as finely as the engine offers (QuickJS has no performance.now). */
const clock: () => number = typeof performance !== 'undefined' ? () => performance.now() : () => Date.now();

/** Which implementation runs: `ours` is fit() (which picks the engine), `hamerly` forces Hamerly's engine. */
export type Kernel = 'ours' | 'hamerly' | 'ml-kmeans' | 'plain';

/** What a timed run reports. */
export interface KernelRun {
  ms: number;
  iterations: number;
}

/** Runs `iterations` k-means iterations of one implementation from the given starts; times only the fit. */
export function runKernel(kernel: Kernel, data: Float64Array, n: number, d: number, starts: Float64Array, k: number, iterations: number): KernelRun {
  switch (kernel) {
    case 'ours': {
      const t0 = clock();
      const r = fit({ data, n, d }, { k, algorithm: 'k-means', distance: 'euclidean', centerChoice: 'manual', centers: starts, seed: 1, starts: 1, maxIterations: iterations, tolerance: 0 });
      return { ms: clock() - t0, iterations: r.iterations };
    }
    case 'hamerly': {
      const t0 = clock();
      const r = hamerly({ data, n, d }, starts, k, { maxIterations: iterations, tolerance: 0 });
      return { ms: clock() - t0, iterations: r.iterations };
    }
    case 'ml-kmeans': {
      // ml-kmeans takes rows as arrays; building them is its caller's cost, not timed.
      const rows: number[][] = new Array(n);
      for (let i = 0; i < n; i++) rows[i] = Array.from(data.subarray(i * d, i * d + d));
      const init: number[][] = [];
      for (let c = 0; c < k; c++) init.push(Array.from(starts.subarray(c * d, c * d + d)));
      const t0 = clock();
      const r = mlKmeans(rows, k, { initialization: init, maxIterations: iterations, tolerance: 0 });
      return { ms: clock() - t0, iterations: r.iterations };
    }
    case 'plain': {
      const t0 = clock();
      let centers = starts;
      for (let it = 0; it < iterations; it++) centers = plainIteration(data, n, d, centers, k);
      return { ms: clock() - t0, iterations };
    }
  }
}
