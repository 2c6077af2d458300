// Progress on stderr for long work, drawn only when stderr is a terminal (scripts see nothing).

/** A progress indicator: a bar when the total is known, a spinner with elapsed time otherwise. */
export interface Progress {
  update(done: number): void;
  finish(): void;
}

const FRAMES = ['|', '/', '-', '\\'];

/** Starts a progress indicator labelled `label`; total null means unknown (a spinner). */
export function progress(label: string, total: number | null, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update() {}, finish() {} };
  const started = Date.now();
  let done = 0;
  let frame = 0;
  const draw = () => {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    let line: string;
    if (total && total > 0) {
      const width = 30;
      const filled = Math.min(width, Math.round((done / total) * width));
      line = `${label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${Math.min(100, Math.floor((done / total) * 100))}% ${seconds}s`;
    } else {
      line = `${label} ${FRAMES[frame++ % FRAMES.length]} ${seconds}s`;
    }
    stream.write(`\r${line.slice(0, (stream.columns || 80) - 1)}\x1b[K`);
  };
  const timer = setInterval(draw, 100);
  timer.unref();
  draw();
  return {
    update(n: number) {
      done = n;
    },
    finish() {
      clearInterval(timer);
      stream.write('\r\x1b[K');
    },
  };
}

/** Runs work with a spinner (for single SQL calls whose progress the server does not report). */
export async function withSpinner<T>(label: string, work: () => Promise<T>): Promise<T> {
  const p = progress(label, null);
  try {
    return await work();
  } finally {
    p.finish();
  }
}
