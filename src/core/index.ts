// The clustering core's public surface.

export type { Algorithm, CenterChoice, DistanceType, FitOptions, FitResult, Points } from './types';
export { createRandom, deriveSeed, type Random } from './random';
export { costOf, distance, isSquaredCost, manhattan, squaredEuclidean } from './distance';
export { assignAll, nearest } from './assign';
export { countDistinct, plusPlusSampleSize, plusPlusStart, randomStart, validateCenters } from './seeding';
export { kmeans, type CenterRun, type IterationOptions } from './kmeans';
export { kmedians, median, quickselect } from './kmedians';
export { KMEDOIDS_MAX_POINTS, kmedoids } from './kmedoids';
export { algorithmFor, centerChoiceFor, fit } from './fit';
export { matchCenters, permute } from './match';
export { onlineUpdate } from './online';
export { SILHOUETTE_SAMPLE, calinskiHarabasz, clusterSizes, daviesBouldin, radii, silhouette } from './metrics';
export { fitScaler, standardize, unstandardize, type Scaler } from './standardize';
