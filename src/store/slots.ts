/**
 * Hash tags: which keys share a Redis Cluster slot. A script or a transaction touches keys of one
 * slot only (Redis Cluster refuses others with CROSSSLOT), so every concern names its keys with its
 * tag, the part in braces that alone decides the slot. What shares a slot, what one slot can take
 * and how to shard further: docs/architecture.md "Keys and slots".
 */

/**
 * The event log: every kind's stream, the dead letters, the shared sequence, the generation, the
 * trim marks and the idempotency keys. One append script touches all of them and one blocking read
 * covers every stream. The Redis store places the log's keys here itself (RedisStore.appendEvent).
 */
export const EVENT_LOG_SLOT = '{events}';

/** A live collection (the wallboard's live state): member hashes, revision, member set, change log, generation, rebuild set. */
export const liveSlot = (collection: string) => `{${collection}}`;

/**
 * Queue and agent statistics: a group's transaction also writes the day's call index, an agent's
 * reads it and writes its group's buckets, so all of them share one slot.
 */
export const QUEUE_STATS_SLOT = '{qs}';

/** One platform token and its refresh lock. */
export const tokenSlot = (name: string) => `{token:${name}}`;

// Keys no script or transaction touches together need no tag: IVR rules and their revision
// (`ivr:rules`, `ivr:rev`), lookups and their locks (`lookup:…`; a read of many is split by slot),
// leases, counters. They keep their names, so an upgrade keeps the rules and a warm lookup cache.
