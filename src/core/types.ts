// The clustering core's vocabulary: pure data types shared by every algorithm.

/**
 * How far apart two points are. `cosine` is 1 - cos(angle): rows and centers on the unit sphere, where it is half
 * the squared euclidean distance (spherical k-means); see unit.ts.
 */
export type DistanceType = 'euclidean' | 'manhattan' | 'cosine';

/** Which algorithm moves the centers. `k-means++` is k-means started by k-means++ seeding. */
export type Algorithm = 'k-means' | 'k-means++' | 'k-medoids' | 'k-medians';

/** How the first centers are chosen. `manual` uses `FitOptions.centers` (also used for warm starts). */
export type CenterChoice = 'random' | 'k-means++' | 'manual';

/** n points of d dimensions, row-major: point i, dimension j is data[i * d + j]; optionally a positive weight each. */
export interface Points {
  data: Float64Array;
  n: number;
  d: number;
  /** Row weights (weighted k-means: each row counts this many times); absent means 1 each. */
  weights?: Float64Array;
}

/** Everything a fit needs besides the points. */
export interface FitOptions {
  k: number;
  algorithm: Algorithm;
  distance: DistanceType;
  centerChoice: CenterChoice;
  /** k * d starting centers, row-major: required for `manual` (and warm starts). */
  centers?: Float64Array;
  /** Seed of every random choice; the same seed and data give the same result. */
  seed: number;
  /** Starts tried for `random` and `k-means++` (the lowest cost wins); 1 for manual. */
  starts: number;
  maxIterations: number;
  /**
   * Relative, as scikit-learn: k-means stops when the squared distances its centers moved in one iteration sum
   * to at most tolerance x the data's mean per-dimension variance; k-medians when no center moves farther than
   * tolerance x the square root of that variance.
   */
  tolerance: number;
  /** Called at each phase boundary (for benchmarks): validated, sampled, seeded, assigned, iteration (with the sum of squared center shifts), finished. */
  trace?: (phase: string, value: number) => void;
  /** Applied to k-means centers after each mean update (set by fit() for cosine distance). */
  project?: (centers: Float64Array, k: number, d: number) => void;
}

/** What every run reports. */
export interface FitResult {
  k: number;
  d: number;
  /** k * d centers, row-major. */
  centers: Float64Array;
  /** Cluster of each point, 0..k-1. */
  labels: Int32Array;
  /** Sum of squared euclidean distances (k-means) or of distances (k-medoids, k-medians, manhattan). */
  cost: number;
  iterations: number;
  converged: boolean;
  /** Points in each cluster. */
  sizes: Int32Array;
  /** For k-medoids: the index of each medoid among the points. */
  medoids?: Int32Array;
  /** The algorithm that actually ran: k-means with manhattan distance runs k-medians. */
  algorithmUsed?: Algorithm;
}

/** An error the caller can fix (too few distinct rows, too many rows for k-medoids): a message and the fix. */
export class ClusteringError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'ClusteringError';
  }
}
