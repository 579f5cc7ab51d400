/** Polls `cond` every few ms until it holds; rejects naming `what` after `ms`. */
export function waitFor(cond: () => boolean, ms = 10000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (cond()) resolve();
      else if (Date.now() > until) reject(new Error(`${what} not reached in ${ms} ms`));
      else setTimeout(tick, 5);
    };
    tick();
  });
}
