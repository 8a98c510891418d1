/** Options of the Redis broker; every one has a safe default. */
export interface RedisBrokerOptions {
  /** `redis://[user:password@]host:port/db`, `rediss://…`, or `redis+cluster://h1:p1,h2:p2`. */
  url?: string;
  /** Prefix of every key and channel, so several apps can share one Redis. Default `celeriac`. */
  prefix?: string;
  /** How long `connect()` may take before it fails with one clear line. Default 10 s. */
  connectTimeoutMs?: number;
  /** How long `enqueue` keeps trying through an outage before it rejects. Default 10 s. */
  publishTimeoutMs?: number;
  /** Longest wait between checks while idle, in case a wake-up message was lost. Default 1 s. */
  pollIntervalMs?: number;
  /** How often the wake-up subscription proves it still receives; rebuilt after 3 misses. Default 5 s. */
  heartbeatMs?: number;
  /**
   * How long a PING may go unanswered before a connection is dropped and remade, so a silent
   * partition is noticed (within twice this). Default 3 s.
   */
  livenessTimeoutMs?: number;
  /** Shown in CLIENT LIST, to count a worker's connections. Default `celeriac`. */
  connectionName?: string;
}
