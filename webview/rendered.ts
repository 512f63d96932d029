/**
 * The page's report of what it drew (`rendered`, `searchRendered`: tests and the E2E harness wait
 * on it): the newest one goes out at most every `everyMs`, so a page drawing 60 times a second
 * does not post 60 messages a second.
 */
export function renderedReporter<R>(send: (report: R) => void, everyMs = 500): (report: R) => void {
  let lastSentAt = -Infinity;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let pending: R | null = null;
  const flush = (): void => {
    timer = null;
    if (pending === null) return;
    lastSentAt = performance.now();
    send(pending);
    pending = null;
  };
  return (report) => {
    pending = report;
    const wait = lastSentAt + everyMs - performance.now();
    if (wait <= 0) flush();
    else timer ??= setTimeout(flush, wait);
  };
}
