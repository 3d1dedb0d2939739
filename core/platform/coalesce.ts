import DataLoader from 'dataloader';

/**
 * Calls made within one turn of the event loop, answered by one batch (docs/performance.md,
 * "Coalesced statements"). Under load the API handles many requests per turn, and each of them
 * used to send its own statement: one socket write and one wake-up of a Postgres backend per
 * request, which on this machine cost more than the query itself. Collected until the turn's I/O
 * callbacks have run (`setImmediate`), then sent together; a call made alone waits for nothing
 * but the end of its own turn. No caching: every call is answered from the batch it joined.
 *
 * `batch` answers keys in order, one value or Error per key (an Error rejects only that call);
 * if `batch` itself rejects, every call of the batch rejects with its error.
 *
 * @example
 * const load = coalesced((ids: readonly number[]) => rowsFor(ids));
 * const [a, b] = await Promise.all([load(1), load(2)]); // one batch of [1, 2]
 */
export function coalesced<K, V>(
  batch: (keys: readonly K[]) => Promise<readonly (V | Error)[]>,
  maxBatchSize = 256,
  o: CoalesceOptions = {},
): (key: K) => Promise<V> {
  const maxInFlight = o.maxInFlight ?? Infinity;
  let active = 0;
  const waiting: (() => void)[] = [];
  const start = (run: () => void) => {
    active++;
    setImmediate(run);
  };
  const run = async (keys: readonly K[]) => {
    try {
      return await batch(keys);
    } finally {
      active--;
      const next = waiting.shift();
      if (next) start(next);
    }
  };
  // a batch not yet sent stays open: calls keep joining it while the batches in flight run
  const loader = new DataLoader<K, V, K>(run, { cache: false, maxBatchSize, batchScheduleFn: (go) => (active < maxInFlight ? start(go) : waiting.push(go)) });
  return (key) => loader.load(key);
}

export interface CoalesceOptions {
  /**
   * Batches in flight at once. Beyond it, a batch waits for one to finish and takes every call
   * made meanwhile: under load the batches grow with the arrival rate instead of each turn sending
   * its own statement, and alone a call still goes at the end of its turn.
   */
  maxInFlight?: number;
}

/**
 * One value per owner object (a database handle, say), made on first use and dropped with the
 * owner: e.g. one coalescer per database.
 */
export function perOwner<O extends object, T>(make: (owner: O) => T): (owner: O) => T {
  const made = new WeakMap<O, T>();
  return (owner) => {
    let v = made.get(owner);
    if (v === undefined) made.set(owner, (v = make(owner)));
    return v;
  };
}
