// The bundle's entry: publishes the API once per connection under a versioned global name.

import { api } from './api';

declare const __PG_CENTROID_GLOBAL__: string;

(globalThis as Record<string, unknown>)[__PG_CENTROID_GLOBAL__] = api;
