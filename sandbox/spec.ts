import type { EndpointId, EndpointSpec, HostName } from '../spec/endpoint-ids';
import endpointsJson from '../spec/endpoints.json';

export type { EndpointId, EndpointSpec, HostName };

const byId = new Map<string, EndpointSpec>((endpointsJson as unknown as EndpointSpec[]).map((e) => [e.id, e]));

export function endpointSpec(id: EndpointId): EndpointSpec {
  const spec = byId.get(id);
  if (!spec) throw new Error(`unknown platform endpoint ${id}`);
  return spec;
}
