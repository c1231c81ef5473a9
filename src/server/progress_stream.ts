/**
 * Turns a callback-style job (`pullModel(name, { onProgress })`) into the AsyncIterable the progress routes
 * stream: events in order, then the end, or the job's error after the events it sent.
 * @module
 */

/** Runs `job(emit)` on first iteration and yields each emitted event; the job's rejection is thrown last. */
export async function* progressStream<T>(job: (emit: (event: T) => void) => Promise<unknown>): AsyncGenerator<T> {
  const queue: T[] = [];
  let wake: (() => void) | undefined;
  let settled = false;
  let failure: { error: unknown } | undefined;
  const done = job((event) => {
    queue.push(event);
    wake?.();
  }).then(() => {
    settled = true;
    wake?.();
  }, (error) => {
    failure = { error };
    settled = true;
    wake?.();
  });
  while (true) {
    while (queue.length) yield queue.shift()!;
    if (settled) break;
    await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
  }
  await done;
  if (failure) throw failure.error;
}
