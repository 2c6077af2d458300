// npm run demo: streams rows from drifting sources into a clustered hypertable and shows the clusters.
export async function demo(log: (line: string) => void): Promise<void> {
  log('demo: not written yet');
}
