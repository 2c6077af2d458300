// The benchmark's rows, in the order of the results table (issue 15's targets, the scaling row kept from issue 5,
// issue 14's anomaly columns and scoring, then issue 13's rows on pgvector columns).

import { anomalyColumns } from './anomaly-columns';
import { article } from './article';
import type { Case } from './case';
import { bulkInsert } from './bulk-insert';
import { coldFit } from './cold-fit';
import { mlKmeans } from './ml-kmeans';
import { onlinePolicy } from './online-policy';
import { refitScaling } from './refit-scaling';
import { rowPolicy } from './row-policy';
import { score } from './score';
import { vectorDigits, vectorFit, vectorInertia, vectorInsert } from './vectors';

export type { Case };

/** Every row, by number. */
export const CASES: Case[] = [
  article, bulkInsert, rowPolicy, onlinePolicy, coldFit, mlKmeans, refitScaling, anomalyColumns, score,
  vectorFit, vectorInertia, vectorInsert, vectorDigits,
];
