import type { EndpointId } from '../spec/endpoint-ids';
import endpointsJson from '../spec/endpoints.json';

export type { EndpointId };

/** The platform's hosts: the main one, the legacy voice-notice one, the customer-deployed one. */
export type HostName = 'cc' | 'notice' | 'open';

/** One platform endpoint as spec/endpoints.json gives it (the simulator reads the data, not the gateway's code). */
export interface EndpointSpec {
  id: EndpointId;
  family: string;
  host: HostName;
  method: 'GET' | 'POST';
  path: string;
  contentType: 'json' | 'form' | 'multipart' | 'query';
  tokenIn: 'body' | 'query' | 'form' | 'none';
  required: string[];
  optional: string[];
  successCode: string | number;
  errors: { code: string; meaning: string }[];
}

const byId = new Map<string, EndpointSpec>((endpointsJson as unknown as EndpointSpec[]).map((e) => [e.id, e]));

export function endpointSpec(id: EndpointId): EndpointSpec {
  const spec = byId.get(id);
  if (!spec) throw new Error(`unknown platform endpoint ${id}`);
  return spec;
}
