import type { GatewayContext } from '../context';

/** Base of the per-family datasources: one instance per request, created by `ctx.dataSource()`. */
export abstract class DataSource {
  constructor(protected readonly ctx: GatewayContext) {}
}
