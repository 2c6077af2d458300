// Starts the embedded stack once for the whole run (or uses DATABASE_URL), before any test file.
import { databaseUrl } from '../src/stack/stack';

export default function setup(): void {
  process.env.PG_CENTROID_TEST_URL = databaseUrl((line) => console.error(line));
}
