/**
 * Redis node lists (cluster seeds, sentinels), apart from the connection module: the configuration
 * reads them before tracing starts, and importing ioredis that early would leave it uninstrumented.
 */
/** host:port of a cluster seed or a sentinel. */
export interface RedisNode {
  host: string;
  port: number;
}

/** "host:port,host:port" → nodes; null when an entry is not host:port. */
export function parseNodeList(text: string): RedisNode[] | null {
  const nodes: RedisNode[] = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(entry);
    if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) return null;
    nodes.push({ host: match[1].replace(/^\[|\]$/g, ''), port: Number(match[2]) });
  }
  return nodes.length > 0 ? nodes : null;
}
