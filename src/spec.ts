import endpointsJson from '../spec/endpoints.json';
import type { HostName } from './config';

/**
 * The platform's endpoints as data (spec/endpoints.json, a copy of the shared spec kept in the
 * repository so a deployed gateway does not depend on files outside it; test/spec.test.ts keeps
 * the copy equal to ../shared/spec when that is present).
 */
export interface EndpointSpec {
  id: string;
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
  section: string;
}

const byId = new Map<string, EndpointSpec>((endpointsJson as unknown as EndpointSpec[]).map((e) => [e.id, e]));

export const ENDPOINTS: readonly EndpointSpec[] = [...byId.values()];

export function endpoint(id: string): EndpointSpec {
  const spec = byId.get(id);
  if (!spec) throw new Error(`unknown platform endpoint ${id}`);
  return spec;
}

/**
 * A spec meaning as clients read it: without the quoted Chinese msg literal the tables carry
 * (`… (msg "订单信息不存在")`); the literal itself reaches clients as `upstreamMessage`.
 */
export function englishMeaning(meaning: string): string {
  return meaning.replace(/\s*\(msg "[^)]*\)/g, '');
}

/** English meaning of a documented error code of an endpoint, when the spec has one. */
export function errorMeaning(id: string, code: string): string | undefined {
  const meaning = byId.get(id)?.errors.find((e) => String(e.code) === code)?.meaning;
  return meaning === undefined ? undefined : englishMeaning(meaning);
}
