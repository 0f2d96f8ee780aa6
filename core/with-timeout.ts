// Waits for a promise at most `ms` milliseconds. Running out of time is a value, not an exception,
// so every caller decides what a timeout means (skip a mount, drop a connection, give up a flush);
// a rejection of the promise itself still rejects. The timer is always cleared: nothing keeps the
// event loop alive after the wait.
export type TimeoutResult<T> = { readonly done: true; readonly value: T } | { readonly done: false };

export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<TimeoutResult<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<TimeoutResult<T>>((resolve) => (timer = setTimeout(resolve, ms, { done: false })));
  try {
    return await Promise.race([promise.then((value): TimeoutResult<T> => ({ done: true, value })), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
